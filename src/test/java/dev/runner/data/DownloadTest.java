package dev.runner.data;

import com.sun.net.httpserver.HttpServer;
import dev.runner.UserError;
import dev.runner.spec.DataSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The download path against a loopback HTTP server. */
class DownloadTest {
    static final int RECORDS = 3;

    @TempDir
    Path tmp;

    HttpServer server;
    byte[] archive;
    String md5;
    final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        archive = TestData.cifarArchive(RECORDS);
        md5 = md5(archive);
        Map<String, byte[]> evil = new LinkedHashMap<>();
        evil.put("cifar-10-batches-bin/", new byte[0]);
        evil.put("cifar-10-batches-bin/../../evil.txt", "owned".getBytes(StandardCharsets.US_ASCII));
        byte[] evilArchive = TestData.tarGz(evil);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, archive.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(archive);
            }
        });
        server.createContext("/truncated.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, archive.length);
            OutputStream out = ex.getResponseBody();
            out.write(archive, 0, archive.length / 2);
            out.flush();
            ex.getHttpContext().getServer();
            ex.close(); // closes the connection before the announced length
        });
        server.createContext("/evil.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, evilArchive.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(evilArchive);
            }
        });
        server.createContext("/chunked.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, 0); // chunked: no length announced
            try (OutputStream out = ex.getResponseBody()) {
                out.write(archive);
            }
        });
        server.createContext("/trickle.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, archive.length);
            long end = System.nanoTime() + 5_000_000_000L; // never longer than the test could need
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < archive.length && System.nanoTime() < end; i++) {
                    out.write(archive[i]);
                    out.flush();
                    Thread.sleep(20);
                }
            } catch (InterruptedException | IOException e) {
                // the client went away
            }
        });
        server.createContext("/missing.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        evilMd5 = md5(evilArchive);
    }

    String evilMd5;

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    static DataSpec spec(String url, String md5) {
        return new DataSpec(new DataSpec.Cifar10(url, md5), 4, 4, true, List.of(), null);
    }

    @Test
    void downloadsVerifiesExtractsAndLoads() throws Exception {
        Path root = tmp.resolve("root");
        List<String> log = new ArrayList<>();
        LoadedData d = Datasets.load(spec(url("/ok.tar.gz"), md5), root, log::add, RECORDS);
        assertThat(d.train().size()).isEqualTo(5 * RECORDS);
        assertThat(d.test().label(1)).isEqualTo(TestData.label(5, 1));
        assertThat(d.test().pixel(2, 1, 3, 4)).isEqualTo(TestData.value(5, 2, 1024 + 3 * 32 + 4) & 0xFF);
        // the verified archive is kept, the folder is in place, no temporary names are left
        assertThat(TestData.listing(root)).containsExactly("cifar-10-batches-bin", "cifar-10-batches-bin/batches.meta.txt",
                "cifar-10-batches-bin/data_batch_1.bin", "cifar-10-batches-bin/data_batch_2.bin",
                "cifar-10-batches-bin/data_batch_3.bin", "cifar-10-batches-bin/data_batch_4.bin",
                "cifar-10-batches-bin/data_batch_5.bin", "cifar-10-batches-bin/readme.html",
                "cifar-10-batches-bin/test_batch.bin", "cifar-10-binary.tar.gz");
        assertThat(log).anyMatch(s -> s.contains("downloading"));
        // readable by others sharing the data root, not owner-only like a temporary name
        if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(root.resolve("cifar-10-binary.tar.gz"))))
                    .isEqualTo("rw-r--r--");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(root.resolve("cifar-10-batches-bin"))))
                    .isEqualTo("rwxr-xr-x");
        }
        // a second load reads the folder and does not download again
        Datasets.load(spec(url("/ok.tar.gz"), md5), root, s -> { }, RECORDS);
        assertThat(requests.get()).isEqualTo(1);
    }

    @Test
    void wrongChecksumLeavesNothing() throws Exception {
        Path root = tmp.resolve("root");
        assertThatThrownBy(() -> Datasets.load(spec(url("/ok.tar.gz"), "0123456789abcdef0123456789abcdef"), root,
                s -> { }, RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("has MD5 " + md5 + ", expected 0123456789abcdef0123456789abcdef")
                .hasMessageContaining("--data-root")
                .hasMessageNotContaining("\n");
        assertThat(TestData.listing(root)).isEmpty();
    }

    @Test
    void truncatedBodyLeavesNothing() throws Exception {
        Path root = tmp.resolve("root");
        assertThatThrownBy(() -> Datasets.load(spec(url("/truncated.tar.gz"), md5), root, s -> { }, RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageMatching("download of http://127\\.0\\.0\\.1:\\d+/truncated\\.tar\\.gz (broke off after"
                        + " \\d+ bytes|is truncated: got \\d+ of " + archive.length + " bytes).*")
                .hasMessageContaining("--data-root")
                .hasMessageNotContaining("\n");
        assertThat(TestData.listing(root)).isEmpty();
    }

    @Test
    void entryEscapingTheFolderIsRefused() throws Exception {
        Path root = tmp.resolve("a").resolve("root");
        assertThatThrownBy(() -> Datasets.load(spec(url("/evil.tar.gz"), evilMd5), root, s -> { }, RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("unsafe entry 'cifar-10-batches-bin/../../evil.txt'")
                .hasMessageNotContaining("\n");
        assertThat(TestData.listing(tmp)).containsExactly("a", "a/root");
    }

    @Test
    void httpErrorIsReported() {
        Path root = tmp.resolve("root");
        assertThatThrownBy(() -> Datasets.load(spec(url("/missing.tar.gz"), md5), root, s -> { }, RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("answered HTTP 404");
    }

    @Test
    void serverDownFailsFastWithAdvice() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path root = tmp.resolve("root");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Datasets.load(spec("http://127.0.0.1:" + port + "/x.tar.gz", md5), root, s -> { },
                RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("cannot download CIFAR-10 from http://127.0.0.1:" + port)
                .hasMessageContaining("connection refused")
                .hasMessageContaining("--data-root (or RUNNER_DATA)")
                .hasMessageNotContaining("\n");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
        assertThat(TestData.listing(root)).isEmpty();
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        Download.Limits shortRead = Download.Limits.DEFAULT.withReadTimeoutMs(300);
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path root = tmp.resolve("root");
            long t0 = System.nanoTime();
            // the connection is accepted by the kernel (backlog) but nothing is ever sent
            assertThatThrownBy(() -> Datasets.load(spec("http://127.0.0.1:" + silent.getLocalPort() + "/x.tar.gz",
                    md5), root, s -> { }, RECORDS, shortRead))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("timed out")
                    .hasMessageContaining("--data-root");
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
            assertThat(TestData.listing(root)).isEmpty();
        }
    }

    @Test
    void localArchiveBesideTheDataRootIsUsedWithoutNetwork() throws Exception {
        Path root = tmp.resolve("root");
        Files.write(tmp.resolve(CifarBinary.CIFAR10.archive().file()), archive);
        LoadedData d = Datasets.load(spec("http://127.0.0.1:9/unreachable.tar.gz", md5), root, s -> { }, RECORDS);
        assertThat(d.test().size()).isEqualTo(RECORDS);
        assertThat(requests.get()).isZero();
        assertThat(Files.isDirectory(root.resolve(CifarBinary.CIFAR10.folder()))).isTrue();
    }

    @Test
    void damagedLocalArchiveIsReportedAndKept() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Path local = root.resolve(CifarBinary.CIFAR10.archive().file());
        Files.write(local, java.util.Arrays.copyOf(archive, archive.length - 10));
        assertThatThrownBy(() -> Datasets.load(spec(url("/ok.tar.gz"), md5), root, s -> { }, RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("local archive " + local + " has MD5");
        assertThat(TestData.listing(root)).containsExactly(CifarBinary.CIFAR10.archive().file());
        assertThat(requests.get()).isZero();
    }

    @Test
    void archiveWithoutTheFolderIsReported() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        byte[] other = TestData.tarGz(Map.of("something/else.txt", new byte[] {1, 2, 3}));
        Files.write(root.resolve(CifarBinary.CIFAR10.archive().file()), other);
        assertThatThrownBy(() -> Datasets.load(spec(url("/ok.tar.gz"), md5(other)), root, s -> { }, RECORDS))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("does not hold cifar-10-batches-bin/");
        assertThat(TestData.listing(root)).containsExactly(CifarBinary.CIFAR10.archive().file());
    }

    /** A tar.gz whose entry {@code cifar-10-batches-bin/data_batch_1.bin} is a link (symbolic or hard) to /etc/passwd. */
    static byte[] tarWithLink(byte linkFlag) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(bytes))) {
            tar.putArchiveEntry(new org.apache.commons.compress.archivers.tar.TarArchiveEntry("cifar-10-batches-bin/"));
            tar.closeArchiveEntry();
            var link = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(
                    "cifar-10-batches-bin/data_batch_1.bin", linkFlag);
            link.setLinkName("/etc/passwd");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    @Test
    void linkEntriesAreRefusedNotExtractedAsEmptyFiles() throws Exception {
        for (byte flag : new byte[] {org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK,
                org.apache.commons.compress.archivers.tar.TarConstants.LF_LINK}) {
            byte[] linked = tarWithLink(flag);
            Path root = tmp.resolve("root" + flag);
            Files.createDirectories(root);
            Files.write(root.resolve(CifarBinary.CIFAR10.archive().file()), linked);
            assertThatThrownBy(() -> Datasets.load(spec(url("/ok.tar.gz"), md5(linked)), root, s -> { }, RECORDS))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("has a link or special entry 'cifar-10-batches-bin/data_batch_1.bin'")
                    .hasMessageNotContaining("\n");
            assertThat(TestData.listing(root)).containsExactly(CifarBinary.CIFAR10.archive().file());
        }
    }

    @Test
    void aDownloadLargerThanTheCapStops() throws Exception {
        Download.Limits half = Download.Limits.DEFAULT.withMaxBytes(archive.length / 2);
        {
            Path root = tmp.resolve("root");
            assertThatThrownBy(() -> Datasets.load(spec(url("/ok.tar.gz"), md5), root, s -> { }, RECORDS, half))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("announces " + archive.length + " bytes, more than the "
                            + archive.length / 2);
            assertThat(TestData.listing(root)).isEmpty();
            // a server that does not say how much it sends is stopped at the cap
            assertThatThrownBy(() -> Datasets.load(spec(url("/chunked.tar.gz"), md5), root, s -> { }, RECORDS, half))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("stopped: more than " + archive.length / 2 + " bytes");
            assertThat(TestData.listing(root)).isEmpty();
            // and an archive that extracts to more than the cap is refused
            Download.Limits small = Download.Limits.DEFAULT.withMaxBytes(RECORDS * 3073L * 3);
            Path root2 = tmp.resolve("root2");
            Files.createDirectories(root2);
            Files.write(root2.resolve(CifarBinary.CIFAR10.archive().file()), archive);
            assertThatThrownBy(() -> Datasets.load(spec(url("/ok.tar.gz"), md5), root2, s -> { }, RECORDS, small))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("extracts to more than " + small.maxBytes() + " bytes");
            assertThat(TestData.listing(root2)).containsExactly(CifarBinary.CIFAR10.archive().file());
        }
    }

    @Test
    void aTrickleThatNeverEndsHitsTheOverallDeadline() throws Exception {
        Download.Limits shortDeadline = Download.Limits.DEFAULT.withDeadlineMs(500);
        {
            Path root = tmp.resolve("root");
            // every read gets a byte well within the read timeout, so only the deadline can stop it
            assertThatThrownBy(() -> Datasets.load(spec(url("/trickle.tar.gz"), md5), root, s -> { }, RECORDS,
                    shortDeadline))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("stopped: not done after 500 ms")
                    .hasMessageNotContaining("\n");
            assertThat(TestData.listing(root)).isEmpty();
        }
    }
}
