package dev.runner.data;

import com.sun.net.httpserver.HttpServer;
import dev.runner.UserError;
import dev.runner.spec.DataSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** CIFAR-100, MNIST and Fashion-MNIST read from tiny files in their official formats; no network. */
class NamedDatasetsTest {
    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- CIFAR-100

    static final int RECORDS = 4;

    static int coarse(int f, int r) {
        return (f * 5 + r * 3) % 20;
    }

    static int fine(int f, int r) {
        return (f * 41 + r * 17 + 3) % 100;
    }

    static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + "_" + i);
        }
        return out;
    }

    /** cifar-100-binary's files: train.bin (f = 0) and test.bin (f = 1), records of coarse, fine, 3072 pixels. */
    static Map<String, byte[]> cifar100Files(int records) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        String[] bins = {"train.bin", "test.bin"};
        for (int f = 0; f < 2; f++) {
            byte[] data = new byte[records * 3074];
            for (int r = 0; r < records; r++) {
                int o = r * 3074;
                data[o] = (byte) coarse(f, r);
                data[o + 1] = (byte) fine(f, r);
                for (int p = 0; p < 3072; p++) {
                    data[o + 2 + p] = TestData.value(f, r, p);
                }
            }
            files.put(bins[f], data);
        }
        files.put("coarse_label_names.txt", (String.join("\n", names("super", 20)) + "\n").getBytes(StandardCharsets.US_ASCII));
        files.put("fine_label_names.txt", (String.join("\n", names("fine", 100)) + "\n").getBytes(StandardCharsets.US_ASCII));
        return files;
    }

    static DataSpec cifar100(String labels, String url, String md5) {
        return new DataSpec(new DataSpec.Cifar100(url, md5, labels), 4, 4, true, List.of(), null);
    }

    @Test
    void cifar100ReadsFineOrCoarseLabelsWithTheirNames() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cifar-100-binary"));
        for (Map.Entry<String, byte[]> e : cifar100Files(RECORDS).entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        List<String> log = new ArrayList<>();
        LoadedData fineData = Datasets.load(cifar100("fine", "http://127.0.0.1:9/none", null), tmp, log::add,
                RECORDS);
        LoadedData coarseData = Datasets.load(cifar100("coarse", "http://127.0.0.1:9/none", null), tmp, s -> { },
                RECORDS);
        assertThat(fineData.classes()).hasSize(100).startsWith("fine_0", "fine_1").endsWith("fine_99");
        assertThat(coarseData.classes()).hasSize(20).startsWith("super_0").endsWith("super_19");
        for (int r = 0; r < RECORDS; r++) {
            assertThat(fineData.train().label(r)).isEqualTo(fine(0, r));
            assertThat(fineData.test().label(r)).isEqualTo(fine(1, r));
            assertThat(coarseData.train().label(r)).isEqualTo(coarse(0, r));
            assertThat(coarseData.test().label(r)).isEqualTo(coarse(1, r));
            // pixels follow both label bytes: channel 1, row 3, column 4
            assertThat(fineData.test().pixel(r, 1, 3, 4)).isEqualTo(TestData.value(1, r, 1024 + 3 * 32 + 4) & 0xFF);
        }
        assertThat(fineData.train().channels()).isEqualTo(3);
        assertThat(fineData.files()).extracting(p -> p.getFileName().toString()).containsExactly("train.bin",
                "test.bin", "fine_label_names.txt", "coarse_label_names.txt");
        assertThat(log).anyMatch(s -> s.contains("CIFAR-100: 4 train / 4 test"));
    }

    @Test
    void cifar100ArchiveWithTheWrongChecksumIsRefusedInOneLine() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("cifar-100-binary/", new byte[0]);
        cifar100Files(RECORDS).forEach((k, v) -> entries.put("cifar-100-binary/" + k, v));
        byte[] archive = TestData.tarGz(entries);
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.write(root.resolve("cifar-100-binary.tar.gz"), archive);
        // the published checksum: this tiny archive is not the real one
        assertThatThrownBy(() -> Datasets.load(cifar100("fine", null, null), root, s -> { }, RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("has MD5 " + DownloadTest.md5(archive) + ", expected "
                        + DataSpec.Cifar100.DEFAULT_MD5)
                .hasMessageContaining("not CIFAR-100?")
                .hasMessageNotContaining("\n");
        assertThat(TestData.listing(root)).containsExactly("cifar-100-binary.tar.gz");
        // with its own checksum the same archive is extracted and read
        LoadedData d = Datasets.load(cifar100("coarse", "http://127.0.0.1:9/x", DownloadTest.md5(archive)), root,
                s -> { }, RECORDS);
        assertThat(d.train().label(2)).isEqualTo(coarse(0, 2));
    }

    @Test
    void cifar100LabelOutOfRangeIsReported() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cifar-100-binary"));
        Map<String, byte[]> files = cifar100Files(RECORDS);
        files.get("test.bin")[2 * 3074] = 25; // coarse label 25 of 20
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        assertThatThrownBy(() -> Datasets.load(cifar100("coarse", "http://127.0.0.1:9/x", null), tmp, s -> { },
                RECORDS)).isInstanceOf(UserError.class)
                .hasMessageContaining("test.bin: record 2 has label 25, CIFAR-100 labels (coarse_label_names.txt) are 0..19");
    }

    // ---------------------------------------------------------------- MNIST, Fashion-MNIST

    static int digit(int split, int i) {
        return (split * 3 + i * 7) % 10;
    }

    static int grey(int split, int i, int p) {
        return (split * 50 + i * 29 + p * 3) & 0xFF;
    }

    /** An IDX file of unsigned bytes, gzipped: magic, sizes, data. */
    static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeInt(0x0800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return bytes.toByteArray();
    }

    /** The four official files, {@code n} 28x28 images per split, by name. */
    static Map<String, byte[]> mnistFiles(int n) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int split = 0; split < 2; split++) {
            byte[] px = new byte[n * 784];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) digit(split, i);
                for (int p = 0; p < 784; p++) {
                    px[i * 784 + p] = (byte) grey(split, i, p);
                }
            }
            String prefix = split == 0 ? "train" : "t10k";
            files.put(prefix + "-images-idx3-ubyte.gz", idx(new int[] {n, 28, 28}, px));
            files.put(prefix + "-labels-idx1-ubyte.gz", idx(new int[] {n}, labels));
        }
        return files;
    }

    static Path writeMnist(Path dir, Map<String, byte[]> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }

    /** The layout with the checksums of {@code files} in place of the published ones. */
    static IdxFiles.Layout withSums(IdxFiles.Layout l, Map<String, byte[]> files) throws Exception {
        List<String> md5 = new ArrayList<>();
        for (String f : IdxFiles.FILES) {
            md5.add(DownloadTest.md5(files.get(f)));
        }
        return new IdxFiles.Layout(l.title(), l.folder(), md5, l.classes());
    }

    @Test
    void mnistReadsImagesLabelsAndClassNamesFromTheIdxFiles() throws Exception {
        Map<String, byte[]> files = mnistFiles(5);
        writeMnist(tmp.resolve("MNIST/raw"), files);
        LoadedData d = IdxFiles.load(withSums(IdxFiles.MNIST, files), tmp, "http://127.0.0.1:9/", s -> { });
        assertThat(d.train().size()).isEqualTo(5);
        assertThat(d.test().size()).isEqualTo(5);
        assertThat(d.train().channels()).isEqualTo(1);
        assertThat(d.train().height()).isEqualTo(28);
        assertThat(d.train().width()).isEqualTo(28);
        assertThat(d.classes()).containsExactly("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
                "6 - six", "7 - seven", "8 - eight", "9 - nine");
        for (int i = 0; i < 5; i++) {
            assertThat(d.train().label(i)).isEqualTo(digit(0, i));
            assertThat(d.test().label(i)).isEqualTo(digit(1, i));
            assertThat(d.train().pixel(i, 0, 2, 5)).isEqualTo(grey(0, i, 2 * 28 + 5));
            assertThat(d.test().pixel(i, 0, 27, 27)).isEqualTo(grey(1, i, 783));
        }
    }

    @Test
    void fashionMnistHasItsOwnFolderAndClassNames() throws Exception {
        Map<String, byte[]> files = mnistFiles(3);
        writeMnist(tmp.resolve("FashionMNIST/raw"), files);
        LoadedData d = IdxFiles.load(withSums(IdxFiles.FASHION_MNIST, files), tmp, "http://127.0.0.1:9/", s -> { });
        assertThat(d.classes()).containsExactly("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                "Shirt", "Sneaker", "Bag", "Ankle boot");
        assertThat(d.test().label(2)).isEqualTo(digit(1, 2));
    }

    @Test
    void anMnistFileWithoutThePublishedChecksumIsRefusedInOneLine() throws Exception {
        writeMnist(tmp.resolve("MNIST/raw"), mnistFiles(2));
        DataSpec spec = new DataSpec(new DataSpec.Mnist(null), 4, 4, true, List.of(), null);
        assertThatThrownBy(() -> Datasets.load(spec, tmp, s -> { }))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("train-images-idx3-ubyte.gz has MD5 ")
                .hasMessageContaining("expected f68b3c2dcbeaaa9fbdd348bbdeb94873")
                .hasMessageNotContaining("\n");
    }

    @Test
    void missingMnistFilesAreDownloadedAndChecked() throws Exception {
        Map<String, byte[]> files = mnistFiles(4);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> asked = new ArrayList<>();
        server.createContext("/mnist/", ex -> {
            String name = ex.getRequestURI().getPath().substring("/mnist/".length());
            asked.add(name);
            byte[] body = files.get(name);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/mnist";
            // one file is there already: only the other three are fetched
            writeMnist(tmp.resolve("MNIST/raw"), Map.of("t10k-labels-idx1-ubyte.gz", files.get("t10k-labels-idx1-ubyte.gz")));
            LoadedData d = IdxFiles.load(withSums(IdxFiles.MNIST, files), tmp, url, s -> { });
            assertThat(asked).containsExactly("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                    "t10k-images-idx3-ubyte.gz");
            assertThat(d.train().label(3)).isEqualTo(digit(0, 3));
            assertThat(TestData.listing(tmp.resolve("MNIST/raw"))).containsExactlyElementsOf(
                    IdxFiles.FILES.stream().sorted().toList());
            // a server sending other bytes: refused, nothing left behind
            Path other = tmp.resolve("other");
            IdxFiles.Layout wrong = new IdxFiles.Layout("MNIST", "MNIST/raw", IdxFiles.MNIST.md5(),
                    IdxFiles.MNIST.classes());
            assertThatThrownBy(() -> IdxFiles.load(wrong, other, url, s -> { }))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("has MD5 " + DownloadTest.md5(files.get("train-images-idx3-ubyte.gz"))
                            + ", expected f68b3c2dcbeaaa9fbdd348bbdeb94873")
                    .hasMessageNotContaining("\n");
            assertThat(TestData.listing(other.resolve("MNIST/raw"))).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void damagedIdxFilesAreReported() throws Exception {
        IdxFiles.Layout unchecked = new IdxFiles.Layout("MNIST", "MNIST/raw", null, IdxFiles.MNIST.classes());
        Map<String, byte[]> files = mnistFiles(2);
        files.put("train-labels-idx1-ubyte.gz", idx(new int[] {3}, new byte[] {1, 2, 3}));
        writeMnist(tmp.resolve("a/MNIST/raw"), files);
        assertThatThrownBy(() -> IdxFiles.load(unchecked, tmp.resolve("a"), "http://127.0.0.1:9/", s -> { }))
                .isInstanceOf(UserError.class).hasMessageContaining("holds 3 labels but train-images-idx3-ubyte.gz 2 images");
        files = mnistFiles(2);
        files.put("t10k-images-idx3-ubyte.gz", idx(new int[] {2, 28}, new byte[56]));
        writeMnist(tmp.resolve("b/MNIST/raw"), files);
        assertThatThrownBy(() -> IdxFiles.load(unchecked, tmp.resolve("b"), "http://127.0.0.1:9/", s -> { }))
                .isInstanceOf(UserError.class).hasMessageContaining("is not an IDX file of unsigned bytes with 3"
                        + " dimensions (magic number 0x802, expected 0x803)");
        files = mnistFiles(2);
        files.put("t10k-labels-idx1-ubyte.gz", idx(new int[] {2}, new byte[] {4, 12}));
        writeMnist(tmp.resolve("c/MNIST/raw"), files);
        assertThatThrownBy(() -> IdxFiles.load(unchecked, tmp.resolve("c"), "http://127.0.0.1:9/", s -> { }))
                .isInstanceOf(UserError.class).hasMessageContaining("label 1 is 12, MNIST labels are 0..9");
        files = mnistFiles(2);
        byte[] img = files.get("train-images-idx3-ubyte.gz");
        files.put("train-images-idx3-ubyte.gz", java.util.Arrays.copyOf(img, img.length / 2));
        writeMnist(tmp.resolve("d/MNIST/raw"), files);
        assertThatThrownBy(() -> IdxFiles.load(unchecked, tmp.resolve("d"), "http://127.0.0.1:9/", s -> { }))
                .isInstanceOf(UserError.class).hasMessageContaining("train-images-idx3-ubyte.gz")
                .hasMessageNotContaining("\n");
    }
}
