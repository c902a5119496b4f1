package dev.runner.data;

import dev.runner.UserError;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLConnection;
import java.net.UnknownHostException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Gets {@code cifar-10-batches-bin/} into the data root when it is missing: from a local
 * {@code cifar-10-binary.tar.gz} (inside the data root or next to it), else by downloading the archive. The
 * archive's MD5 is verified; extraction goes into a hidden temporary folder inside the data root that is renamed
 * into place only when complete, and no archive entry may leave that folder. A failed or interrupted attempt
 * leaves only hidden temporary names (removed on failure and, through a shutdown hook, on Ctrl-C).
 */
final class CifarDownload {
    static final String ARCHIVE = "cifar-10-binary.tar.gz";
    /** Connect timeout (ms); not final so tests can shorten it. */
    static volatile int connectTimeoutMs = 5_000;
    /** Read timeout (ms): longest silence while waiting for data; not final so tests can shorten it. */
    static volatile int readTimeoutMs = 8_000;
    /**
     * The most a download may bring (the official archive is 170,052,171 bytes) and the most an archive may extract
     * to (the batches are 184,380,000 bytes); not final so tests can lower them.
     */
    static volatile long maxBytes = 256L << 20;
    /** The longest a whole download may take, however steadily the bytes trickle in; tests shorten it. */
    static volatile long deadlineMs = 30 * 60_000L;

    private CifarDownload() {}

    /** Ensures {@code dataRoot/cifar-10-batches-bin} exists; returns it. */
    static Path ensure(Path dataRoot, String url, String md5, Consumer<String> log) {
        Path target = dataRoot.resolve(CifarBinary.FOLDER);
        if (Files.isDirectory(target)) {
            return target;
        }
        Path local = localArchive(dataRoot);
        if (local != null) {
            log.accept("CIFAR-10: using local archive " + local);
            if (md5 != null && !md5.isBlank()) {
                String actual = md5Of(local);
                if (!actual.equalsIgnoreCase(md5.strip())) {
                    throw new UserError("local archive " + local + " has MD5 " + actual + ", expected " + md5.strip()
                            + " (damaged or not CIFAR-10?); delete it to download again, or point --data-root (or"
                            + " RUNNER_DATA) at a folder holding " + CifarBinary.FOLDER + "/");
                }
            }
            extract(local, dataRoot, log);
            return target;
        }
        createRoot(dataRoot);
        Path archive = download(url, md5, dataRoot, log);
        try {
            extract(archive, dataRoot, log);
        } catch (UserError e) {
            deleteQuietly(archive); // a verified download that cannot be extracted is of no use
            throw e;
        }
        return target;
    }

    /** {@code dataRoot/cifar-10-binary.tar.gz}, else the same name beside the data root, else null. */
    static Path localArchive(Path dataRoot) {
        Path inside = dataRoot.resolve(ARCHIVE);
        if (Files.isRegularFile(inside)) {
            return inside;
        }
        Path parent = dataRoot.toAbsolutePath().normalize().getParent();
        if (parent != null) {
            Path beside = parent.resolve(ARCHIVE);
            if (Files.isRegularFile(beside)) {
                return beside;
            }
        }
        return null;
    }

    private static void createRoot(Path dataRoot) {
        try {
            Files.createDirectories(dataRoot);
        } catch (IOException e) {
            throw new UserError("cannot create the data root " + dataRoot + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); point --data-root (or RUNNER_DATA) at a writable folder");
        }
    }

    /** Downloads {@code url} into {@code dataRoot/cifar-10-binary.tar.gz}, verified; returns that path. */
    static Path download(String url, String md5, Path dataRoot, Consumer<String> log) {
        String advice = "; without network, copy " + ARCHIVE + " into " + dataRoot
                + " or point --data-root (or RUNNER_DATA) at a folder holding " + CifarBinary.FOLDER + "/";
        Path part;
        try {
            part = Files.createTempFile(dataRoot, "." + ARCHIVE + ".", ".part", readable(false));
        } catch (IOException e) {
            throw new UserError("cannot write into the data root " + dataRoot + " (" + e.getMessage()
                    + "); point --data-root (or RUNNER_DATA) at a writable folder");
        }
        try (Cleanup cleanup = new Cleanup(part)) {
            log.accept("CIFAR-10: downloading " + url + " into " + dataRoot);
            URLConnection conn;
            long length;
            long read = 0;
            MessageDigest digest = md5Digest();
            try {
                conn = URI.create(url).toURL().openConnection();
                conn.setConnectTimeout(connectTimeoutMs);
                conn.setReadTimeout(readTimeoutMs);
                if (conn instanceof HttpURLConnection http) {
                    http.setInstanceFollowRedirects(true);
                    int code = http.getResponseCode();
                    if (code != HttpURLConnection.HTTP_OK) {
                        http.disconnect();
                        throw new UserError("cannot download CIFAR-10: " + url + " answered HTTP " + code + advice);
                    }
                }
                length = conn.getContentLengthLong();
                if (length > maxBytes) {
                    throw new UserError("cannot download CIFAR-10: " + url + " announces " + length + " bytes, more"
                            + " than the " + maxBytes + " the archive can have" + advice);
                }
                long deadline = System.nanoTime() + deadlineMs * 1_000_000L;
                try (InputStream in = new DigestInputStream(conn.getInputStream(), digest);
                     OutputStream out = Files.newOutputStream(part);
                     ProgressBar bar = progressBar(length)) {
                    byte[] buf = new byte[1 << 16];
                    int r;
                    while ((r = in.read(buf)) >= 0) {
                        out.write(buf, 0, r);
                        read += r;
                        bar.stepTo(read);
                        if (read > maxBytes) {
                            throw new UserError("download of " + url + " stopped: more than " + maxBytes
                                    + " bytes, more than the archive can have" + advice);
                        }
                        if (System.nanoTime() - deadline > 0) {
                            throw new UserError("download of " + url + " stopped: not done after "
                                    + (deadlineMs % 1000 == 0 ? deadlineMs / 1000 + " s" : deadlineMs + " ms") + " ("
                                    + read + " bytes); try again" + advice);
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new UserError("cannot download CIFAR-10: bad URL '" + url + "' (" + e.getMessage() + ")");
            } catch (UnknownHostException e) {
                throw new UserError("cannot download CIFAR-10 from " + url + ": unknown host " + e.getMessage()
                        + " (no network?)" + advice);
            } catch (ConnectException | NoRouteToHostException e) {
                throw new UserError("cannot download CIFAR-10 from " + url + ": " + message(e) + " (no network?)"
                        + advice);
            } catch (SocketTimeoutException e) {
                throw new UserError("cannot download CIFAR-10 from " + url + ": timed out after " + read
                        + " bytes (no network?)" + advice);
            } catch (IOException e) {
                throw new UserError("download of " + url + " broke off after " + read + " bytes (" + message(e)
                        + "); try again" + advice);
            }
            if (length >= 0 && read != length) {
                throw new UserError("download of " + url + " is truncated: got " + read + " of " + length
                        + " bytes; try again" + advice);
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (md5 != null && !md5.isBlank() && !actual.equalsIgnoreCase(md5.strip())) {
                throw new UserError("download of " + url + " has MD5 " + actual + ", expected " + md5.strip()
                        + " (damaged download or wrong file); try again" + advice);
            }
            Path archive = dataRoot.resolve(ARCHIVE);
            try {
                move(part, archive);
            } catch (IOException e) {
                throw new UserError("cannot store the download as " + archive + ": " + message(e));
            }
            cleanup.keep();
            return archive;
        }
    }

    private static ProgressBar progressBar(long length) {
        return new ProgressBarBuilder()
                .setTaskName("CIFAR-10")
                .setInitialMax(length)
                .setUnit("MB", 1 << 20)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .build();
    }

    /** Extracts {@code archive} into {@code dataRoot}/cifar-10-batches-bin atomically. */
    static void extract(Path archive, Path dataRoot, Consumer<String> log) {
        createRoot(dataRoot);
        Path target = dataRoot.resolve(CifarBinary.FOLDER);
        Path tmp;
        try {
            tmp = Files.createTempDirectory(dataRoot, "." + CifarBinary.FOLDER + ".extract-", readable(true));
        } catch (IOException e) {
            throw new UserError("cannot write into the data root " + dataRoot + " (" + message(e)
                    + "); point --data-root (or RUNNER_DATA) at a writable folder");
        }
        try (Cleanup cleanup = new Cleanup(tmp)) {
            log.accept("CIFAR-10: extracting " + archive);
            Path root = tmp.toAbsolutePath().normalize();
            long total = 0;
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                    new BufferedInputStream(Files.newInputStream(archive), 1 << 16)))) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    String name = e.getName();
                    Path out = root.resolve(name).normalize();
                    if (name.indexOf('\0') >= 0 || !out.startsWith(root) || out.equals(root) && !e.isDirectory()) {
                        throw new UserError("archive " + archive + " has an unsafe entry '" + name
                                + "' (it would be written outside the target folder); refusing to extract it;"
                                + " get a genuine " + ARCHIVE + " or point --data-root (or RUNNER_DATA) at a"
                                + " folder holding " + CifarBinary.FOLDER + "/");
                    }
                    // links first: commons-compress's isFile() is true for hard and symbolic links too
                    boolean special = e.isSymbolicLink() || e.isLink() || e.isCharacterDevice()
                            || e.isBlockDevice() || e.isFIFO();
                    if (!special && e.isDirectory()) {
                        Files.createDirectories(out);
                    } else if (!special && e.isFile()) {
                        Files.createDirectories(out.getParent());
                        long left = maxBytes - total;
                        // not closed: that would close the archive
                        InputStream limited = new org.apache.commons.io.input.BoundedInputStream(tar, left + 1);
                        total += Files.copy(limited, out, StandardCopyOption.REPLACE_EXISTING);
                        if (total > maxBytes) {
                            throw new UserError("archive " + archive + " extracts to more than " + maxBytes
                                    + " bytes, more than CIFAR-10 has; refusing it; get a genuine " + ARCHIVE
                                    + " or point --data-root (or RUNNER_DATA) at a folder holding "
                                    + CifarBinary.FOLDER + "/");
                        }
                    } else {
                        throw new UserError("archive " + archive + " has a link or special entry '" + name
                                + "'; refusing to extract it; get a genuine " + ARCHIVE
                                + " or point --data-root (or RUNNER_DATA) at a folder holding "
                                + CifarBinary.FOLDER + "/");
                    }
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new UserError("cannot extract " + archive + " (" + message(e) + "): damaged archive? delete it"
                        + " to download again, or point --data-root (or RUNNER_DATA) at a folder holding "
                        + CifarBinary.FOLDER + "/");
            }
            Path extracted = tmp.resolve(CifarBinary.FOLDER);
            List<String> missing = CifarBinary.missing(extracted);
            if (!Files.isDirectory(extracted) || !missing.isEmpty()) {
                throw new UserError("archive " + archive + " does not hold " + CifarBinary.FOLDER + "/ with "
                        + String.join(", ", missing) + "; get a genuine " + ARCHIVE
                        + " or point --data-root (or RUNNER_DATA) at a folder holding " + CifarBinary.FOLDER + "/");
            }
            try {
                move(extracted, target);
            } catch (FileAlreadyExistsException e) {
                log.accept("CIFAR-10: " + target + " appeared meanwhile; using it");
            } catch (IOException e) {
                if (!Files.isDirectory(target)) {
                    throw new UserError("cannot move the extracted files to " + target + ": " + message(e));
                }
            }
        }
    }

    /**
     * Ordinary permissions (rw-r--r--, rwxr-xr-x for a folder) for the temporary names that become the archive
     * and the data folder: a temporary file or folder is owner-only, and the data root may be shared.
     */
    private static java.nio.file.attribute.FileAttribute<?>[] readable(boolean folder) {
        if (!java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new java.nio.file.attribute.FileAttribute<?>[0];
        }
        return new java.nio.file.attribute.FileAttribute<?>[] {java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString(folder ? "rwxr-xr-x" : "rw-r--r--"))};
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static String md5Of(Path file) {
        MessageDigest d = md5Digest();
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), d)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + message(e));
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        String s = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        return s.replace('\n', ' ').replace('\r', ' ').toLowerCase(Locale.ROOT).startsWith("connection refused")
                ? "connection refused" : s.replace('\n', ' ').replace('\r', ' ');
    }

    static void deleteQuietly(Path p) {
        if (p == null || !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // best effort: the name is hidden and temporary
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Deletes a temporary path on close (unless kept) and on JVM shutdown (Ctrl-C) while open. */
    private static final class Cleanup implements AutoCloseable {
        private final Path path;
        private final Thread hook;
        private boolean keep;

        Cleanup(Path path) {
            this.path = path;
            this.hook = new Thread(() -> deleteQuietly(path), "runner-data-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void keep() {
            keep = true;
        }

        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            if (!keep) {
                deleteQuietly(path);
            }
        }
    }
}
