package dev.runner.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The one place serve and {@code report --html} touch the results root's files: every path is a relative name
 * under the root (no {@code ..}, no absolute paths), resolves to a real path inside the root (a symlink that
 * points out is refused), is a regular file or folder as asked, and a file is read only up to a bound.
 */
final class ResultsFiles {
    /** A metrics.json larger than this is shown as an error for its run, not read. */
    static final long MAX_JSON = 64L << 20;
    /** How much of a text file (experiment.yaml, provenance.json, summary.txt) is read. */
    static final long MAX_TEXT = 1L << 20;
    /** How much of a PNG (a feature map, a chart) is served. */
    static final long MAX_IMAGE = 32L << 20;

    /** A file or folder refused: outside the root, a symlink out, not a regular file, or too large. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private final Path root;

    ResultsFiles(Path root) throws IOException {
        this.root = root.toRealPath();
    }

    Path root() {
        return root;
    }

    /** The id of a folder or file under the root: its relative path with {@code /} between the parts. */
    String id(Path p) {
        Path rel = root.relativize(p.toAbsolutePath().normalize());
        StringBuilder sb = new StringBuilder();
        for (Path part : rel) {
            sb.append(sb.length() == 0 ? "" : "/").append(part);
        }
        return sb.toString();
    }

    /**
     * The folder or file named {@code id} (parts separated by {@code /}); refused when a part is empty, {@code .}
     * or {@code ..}, holds a backslash or a control character, or when its real path is outside the root.
     */
    Path resolve(String id) throws Refused {
        if (id == null || id.isEmpty() || id.length() > 1000) {
            throw new Refused("no such run");
        }
        Path p = root;
        for (String part : id.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\\') >= 0
                    || part.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new Refused("not a name under the results root: " + id);
            }
            p = p.resolve(part);
        }
        inside(p);
        return p;
    }

    /** Refused unless {@code p} exists and its real path (symlinks followed) is inside the root. */
    void inside(Path p) throws Refused {
        try {
            if (!p.toRealPath().startsWith(root)) {
                throw new Refused("outside the results root: " + id(p));
            }
        } catch (IOException e) {
            throw new Refused("no such file: " + id(p));
        }
    }

    /** True when {@code p} is a folder inside the root (a symlink to a folder inside counts, one out does not). */
    boolean isFolder(Path p) {
        try {
            inside(p);
            return Files.isDirectory(p);
        } catch (Refused e) {
            return false;
        }
    }

    /** A regular file inside the root of at most {@code max} bytes, else refused with why. */
    Path file(Path p, long max) throws Refused {
        inside(p);
        if (!Files.isRegularFile(p)) {
            throw new Refused("not a regular file: " + id(p));
        }
        try {
            long size = Files.size(p);
            if (size > max) {
                throw new Refused(String.format("%s is %,d MB, more than the %,d MB read", p.getFileName(),
                        size >> 20, max >> 20));
            }
        } catch (IOException e) {
            throw new Refused("cannot read " + id(p) + ": " + e.getMessage());
        }
        return p;
    }

    /** Checks the files a run folder's readers open (RunReader, SweepFolder): refused when one is not safe. */
    void checkRunFiles(Path folder) throws Refused {
        for (String name : List.of("metrics.json", "lr_range_test.json", "sweep.json")) {
            Path f = folder.resolve(name);
            if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                file(f, MAX_JSON);
            }
        }
        for (String name : List.of("experiment.yaml", "summary.txt", "log.txt", "provenance.json")) {
            Path f = folder.resolve(name);
            if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                file(f, name.equals("log.txt") ? Long.MAX_VALUE : MAX_TEXT);
            }
        }
    }

    /** A text file's content (UTF-8), or null when absent or refused. */
    String text(Path p, long max) {
        try {
            return Files.readString(file(p, max), StandardCharsets.UTF_8);
        } catch (Refused | IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    /** The last {@code maxBytes} of a text file, from a line start, or null. */
    String tail(Path p, int maxBytes) {
        try {
            file(p, Long.MAX_VALUE);
            try (var ch = Files.newByteChannel(p)) {
                long size = ch.size();
                long from = Math.max(0, size - maxBytes);
                ch.position(from);
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (size - from));
                while (buf.hasRemaining() && ch.read(buf) > 0) {
                    // read on
                }
                String s = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                int nl = s.indexOf('\n');
                return from > 0 && nl >= 0 ? s.substring(nl + 1) : s;
            }
        } catch (Refused | IOException e) {
            return null;
        }
    }

    /** A file's bytes (a PNG), refused when not safe or larger than {@code max}. */
    byte[] bytes(Path p, long max) throws Refused {
        try {
            return Files.readAllBytes(file(p, max));
        } catch (IOException e) {
            throw new Refused("cannot read " + id(p));
        }
    }
}
