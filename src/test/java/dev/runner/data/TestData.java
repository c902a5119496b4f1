package dev.runner.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Small generated datasets in the official formats. */
final class TestData {
    static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    private TestData() {}

    /** Pixel byte of CIFAR record {@code r} of file {@code f} at offset {@code p} (0..3071). */
    static byte value(int f, int r, int p) {
        return (byte) (p * 7 + r * 31 + f * 101 + (p >> 10) * 13);
    }

    static int label(int f, int r) {
        return (f * 3 + r * 7) % 10;
    }

    /** The files of cifar-10-batches-bin with {@code records} records each, by name (train 0..4, test 5). */
    static Map<String, byte[]> cifarFiles(int records) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(CifarBinary.CIFAR10.trainFiles());
        names.add(CifarBinary.CIFAR10.testFile());
        for (int f = 0; f < names.size(); f++) {
            byte[] data = new byte[records * CifarBinary.CIFAR10.recordBytes()];
            for (int r = 0; r < records; r++) {
                int o = r * CifarBinary.CIFAR10.recordBytes();
                data[o] = (byte) label(f, r);
                for (int p = 0; p < CifarBinary.IMAGE_BYTES; p++) {
                    data[o + 1 + p] = value(f, r, p);
                }
            }
            files.put(names.get(f), data);
        }
        files.put(CifarBinary.CIFAR10.classFile(), (String.join("\n", CLASSES) + "\n\n").getBytes(StandardCharsets.US_ASCII));
        return files;
    }

    static Path writeCifar(Path dir, int records) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : cifarFiles(records).entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }

    /** A tar.gz with the given entries (name → content; a name ending in / is a directory). */
    static byte[] tarGz(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true); // preserve "../" names as written
                if (!e.getKey().endsWith("/")) {
                    entry.setSize(e.getValue().length);
                }
                tar.putArchiveEntry(entry);
                if (!e.getKey().endsWith("/")) {
                    tar.write(e.getValue());
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The official archive layout with {@code records} records per batch file. */
    static byte[] cifarArchive(int records) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("cifar-10-batches-bin/", new byte[0]);
        for (Map.Entry<String, byte[]> e : cifarFiles(records).entrySet()) {
            entries.put("cifar-10-batches-bin/" + e.getKey(), e.getValue());
        }
        entries.put("cifar-10-batches-bin/readme.html", "<html></html>".getBytes(StandardCharsets.US_ASCII));
        return tarGz(entries);
    }

    static List<String> listing(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    static void write(OutputStream out, byte[] data) throws IOException {
        out.write(data);
    }
}
