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
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Gets a data set's files into the data root when they are missing. An {@link Archive} (CIFAR-10, CIFAR-100):
 * its folder comes from a local {@code .tar.gz} (inside the data root or next to it), else from downloading the
 * archive; the archive's MD5 is verified, extraction goes into a hidden temporary folder inside the data root that
 * is renamed into place only when complete, and no archive entry may leave that folder. A single file (MNIST's
 * {@code .gz} files): {@link #ensureFile} verifies a present file's MD5 or downloads it. A failed or interrupted
 * attempt leaves only hidden temporary names (removed on failure and, through a shutdown hook, on Ctrl-C).
 */
final class Download {
    /**
     * A data set shipped as one {@code .tar.gz} holding one folder.
     *
     * @param title   the data set's name in messages ("CIFAR-10")
     * @param file    the archive's file name
     * @param folder  the folder it holds, extracted into the data root
     * @param missing the names of the files a complete folder has that are missing in a given folder
     */
    record Archive(String title, String file, String folder, Function<Path, List<String>> missing) {}

    /**
     * How long and how much a download may take; {@link #DEFAULT} everywhere but in tests, which shorten and lower
     * them through {@code Datasets.load}'s package-private overload.
     *
     * @param connectTimeoutMs connect timeout
     * @param readTimeoutMs    the longest silence while waiting for data
     * @param maxBytes         the most a download may bring (the official CIFAR archives are about 170 MB, MNIST's
     *                         largest file 26 MB) and the most an archive may extract to (CIFAR-10's batches are
     *                         184,380,000 bytes, CIFAR-100's 184,440,000)
     * @param deadlineMs       the longest a whole download may take, however steadily the bytes trickle in
     */
    record Limits(int connectTimeoutMs, int readTimeoutMs, long maxBytes, long deadlineMs) {
        static final Limits DEFAULT = new Limits(5_000, 8_000, 256L << 20, 30 * 60_000L);

        Limits withReadTimeoutMs(int ms) {
            return new Limits(connectTimeoutMs, ms, maxBytes, deadlineMs);
        }

        Limits withMaxBytes(long bytes) {
            return new Limits(connectTimeoutMs, readTimeoutMs, bytes, deadlineMs);
        }

        Limits withDeadlineMs(long ms) {
            return new Limits(connectTimeoutMs, readTimeoutMs, maxBytes, ms);
        }
    }

    private Download() {}

    /** Ensures {@code dataRoot/<a.folder()>} exists; returns it. */
    static Path ensure(Archive a, Path dataRoot, String url, String md5, Consumer<String> log, Limits limits) {
        Path target = dataRoot.resolve(a.folder());
        if (Files.isDirectory(target)) {
            return target;
        }
        Path local = localArchive(a, dataRoot);
        if (local != null) {
            log.accept(a.title() + ": using local archive " + local);
            if (md5 != null && !md5.isBlank()) {
                String actual = md5Of(local);
                if (!actual.equalsIgnoreCase(md5.strip())) {
                    throw new UserError("local archive " + local + " has MD5 " + actual + ", expected " + md5.strip()
                            + " (damaged or not " + a.title() + "?); delete it to download again, or point --data-root"
                            + " (or RUNNER_DATA) at a folder holding " + a.folder() + "/");
                }
            }
            extract(a, local, dataRoot, log, limits);
            return target;
        }
        createRoot(dataRoot);
        Path archive = download(a.title(), url, md5, dataRoot.resolve(a.file()), a.folder() + "/", log, limits);
        try {
            extract(a, archive, dataRoot, log, limits);
        } catch (UserError e) {
            deleteQuietly(archive); // a verified download that cannot be extracted is of no use
            throw e;
        }
        return target;
    }

    /**
     * Ensures {@code file} exists with MD5 {@code md5} (null or blank: any content): a present file is checked,
     * a missing one downloaded from {@code url}. A present file with another MD5 is refused, not replaced.
     *
     * @param title the data set's name in messages ("MNIST")
     */
    static Path ensureFile(String title, Path file, String url, String md5, Consumer<String> log,
                           Limits limits) {
        if (Files.isRegularFile(file)) {
            if (md5 != null && !md5.isBlank()) {
                String actual = md5Of(file);
                if (!actual.equalsIgnoreCase(md5.strip())) {
                    throw new UserError(file + " has MD5 " + actual + ", expected " + md5.strip() + " (damaged or not "
                            + title + "'s " + file.getFileName() + "?); delete it to download it again, or point"
                            + " --data-root (or RUNNER_DATA) at a folder holding a good copy");
                }
            }
            return file;
        }
        createRoot(file.getParent());
        return download(title, url, md5, file, file.getParent().getFileName() + "/" + file.getFileName(), log,
                limits);
    }

    /** {@code dataRoot/<a.file()>}, else the same name beside the data root, else null. */
    static Path localArchive(Archive a, Path dataRoot) {
        Path inside = dataRoot.resolve(a.file());
        if (Files.isRegularFile(inside)) {
            return inside;
        }
        Path parent = dataRoot.toAbsolutePath().normalize().getParent();
        if (parent != null) {
            Path beside = parent.resolve(a.file());
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

    /**
     * Downloads {@code url} into {@code target}, MD5-verified; returns {@code target}.
     *
     * @param holding what a data root must hold instead, for the advice in messages
     */
    static Path download(String title, String url, String md5, Path target, String holding, Consumer<String> log,
                         Limits limits) {
        Path dataRoot = target.getParent();
        String name = target.getFileName().toString();
        String advice = "; without network, copy " + name + " into " + dataRoot
                + " or point --data-root (or RUNNER_DATA) at a folder holding " + holding;
        Path part;
        try {
            part = Files.createTempFile(dataRoot, "." + name + ".", ".part", readable(false));
        } catch (IOException e) {
            throw new UserError("cannot write into the data root " + dataRoot + " (" + e.getMessage()
                    + "); point --data-root (or RUNNER_DATA) at a writable folder");
        }
        try (Cleanup cleanup = new Cleanup(part)) {
            log.accept(title + ": downloading " + url + " into " + dataRoot);
            URLConnection conn;
            long length;
            long read = 0;
            MessageDigest digest = md5Digest();
            try {
                conn = URI.create(url).toURL().openConnection();
                conn.setConnectTimeout(limits.connectTimeoutMs());
                conn.setReadTimeout(limits.readTimeoutMs());
                if (conn instanceof HttpURLConnection http) {
                    http.setInstanceFollowRedirects(true);
                    int code = http.getResponseCode();
                    if (code != HttpURLConnection.HTTP_OK) {
                        http.disconnect();
                        throw new UserError("cannot download " + title + ": " + url + " answered HTTP " + code + advice);
                    }
                }
                length = conn.getContentLengthLong();
                if (length > limits.maxBytes()) {
                    throw new UserError("cannot download " + title + ": " + url + " announces " + length + " bytes, more"
                            + " than the " + limits.maxBytes() + " the archive can have" + advice);
                }
                long deadlineMs = limits.deadlineMs();
                long deadline = System.nanoTime() + deadlineMs * 1_000_000L;
                try (InputStream in = new DigestInputStream(conn.getInputStream(), digest);
                     OutputStream out = Files.newOutputStream(part);
                     ProgressBar bar = progressBar(title, length)) {
                    byte[] buf = new byte[1 << 16];
                    int r;
                    while ((r = in.read(buf)) >= 0) {
                        out.write(buf, 0, r);
                        read += r;
                        bar.stepTo(read);
                        if (read > limits.maxBytes()) {
                            throw new UserError("download of " + url + " stopped: more than " + limits.maxBytes()
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
                throw new UserError("cannot download " + title + ": bad URL '" + url + "' (" + e.getMessage() + ")");
            } catch (UnknownHostException e) {
                throw new UserError("cannot download " + title + " from " + url + ": unknown host " + e.getMessage()
                        + " (no network?)" + advice);
            } catch (ConnectException | NoRouteToHostException e) {
                throw new UserError("cannot download " + title + " from " + url + ": " + message(e) + " (no network?)"
                        + advice);
            } catch (SocketTimeoutException e) {
                throw new UserError("cannot download " + title + " from " + url + ": timed out after " + read
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
            try {
                move(part, target);
            } catch (IOException e) {
                throw new UserError("cannot store the download as " + target + ": " + message(e));
            }
            cleanup.keep();
            return target;
        }
    }

    private static ProgressBar progressBar(String title, long length) {
        return new ProgressBarBuilder()
                .setTaskName(title)
                .setInitialMax(length)
                .setUnit("MB", 1 << 20)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .build();
    }

    /** Extracts {@code archive} into {@code dataRoot/<a.folder()>} atomically. */
    static void extract(Archive a, Path archive, Path dataRoot, Consumer<String> log, Limits limits) {
        createRoot(dataRoot);
        Path target = dataRoot.resolve(a.folder());
        String advice = " or point --data-root (or RUNNER_DATA) at a folder holding " + a.folder() + "/";
        Path tmp;
        try {
            tmp = Files.createTempDirectory(dataRoot, "." + a.folder() + ".extract-", readable(true));
        } catch (IOException e) {
            throw new UserError("cannot write into the data root " + dataRoot + " (" + message(e)
                    + "); point --data-root (or RUNNER_DATA) at a writable folder");
        }
        try (Cleanup cleanup = new Cleanup(tmp)) {
            log.accept(a.title() + ": extracting " + archive);
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
                                + " get a genuine " + a.file() + advice);
                    }
                    // links first: commons-compress's isFile() is true for hard and symbolic links too
                    boolean special = e.isSymbolicLink() || e.isLink() || e.isCharacterDevice()
                            || e.isBlockDevice() || e.isFIFO();
                    if (!special && e.isDirectory()) {
                        Files.createDirectories(out);
                    } else if (!special && e.isFile()) {
                        Files.createDirectories(out.getParent());
                        long left = limits.maxBytes() - total;
                        // not closed: that would close the archive
                        InputStream limited = new org.apache.commons.io.input.BoundedInputStream(tar, left + 1);
                        total += Files.copy(limited, out, StandardCopyOption.REPLACE_EXISTING);
                        if (total > limits.maxBytes()) {
                            throw new UserError("archive " + archive + " extracts to more than " + limits.maxBytes()
                                    + " bytes, more than " + a.title() + " has; refusing it; get a genuine "
                                    + a.file() + advice);
                        }
                    } else {
                        throw new UserError("archive " + archive + " has a link or special entry '" + name
                                + "'; refusing to extract it; get a genuine " + a.file() + advice);
                    }
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new UserError("cannot extract " + archive + " (" + message(e) + "): damaged archive? delete it"
                        + " to download again," + advice);
            }
            Path extracted = tmp.resolve(a.folder());
            List<String> missing = a.missing().apply(extracted);
            if (!Files.isDirectory(extracted) || !missing.isEmpty()) {
                throw new UserError("archive " + archive + " does not hold " + a.folder() + "/ with "
                        + String.join(", ", missing) + "; get a genuine " + a.file() + advice);
            }
            try {
                move(extracted, target);
            } catch (FileAlreadyExistsException e) {
                log.accept(a.title() + ": " + target + " appeared meanwhile; using it");
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
