package dev.runner;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The one way to read a file of a results folder (metrics.json, sweep.json, state.json, model.zip, ...): by its
 * name relative to the folder, and only when every step from the folder to it is a real directory and it is a
 * regular file. A symbolic link, a device, a FIFO, a name with {@code ..} is refused, so nothing outside the folder
 * is read and nothing blocks; the last step is opened with {@code O_NOFOLLOW}. A file larger than its kind's limit
 * is refused before it is read. Errors are one line naming the file and, for JSON and YAML, the line and column:
 * never the file's content (a file a symbolic link pointed at could be anybody's secret).
 *
 * <p>The folder itself is taken as the user named it; folders found by listing ({@link #directories}) are real
 * directories only, so a tree with symbolic-link loops is walked in finite time.
 */
public final class ResultFiles {
    /** metrics.json, sweep.json, lr_range_test.json: 32 MiB (a run of 400,000 iterations writes about 20). */
    public static final long JSON_LIMIT = 32L << 20;
    /** state.json, provenance.json, experiment.yaml, summary.txt: 4 MiB. */
    public static final long SMALL_LIMIT = 4L << 20;
    /** The tail of log.txt that is read for a crashed run's reason. */
    public static final long LOG_TAIL = 1L << 20;

    private ResultFiles() {
    }

    /** True when {@code folder/name} is a regular file reached without symbolic links. */
    public static boolean exists(Path folder, String name) {
        try {
            return attributes(folder, name) != null;
        } catch (UserError e) {
            return false;
        }
    }

    /** True when {@code folder/name} is a real directory (not a link to one). */
    public static boolean isDirectory(Path folder, String name) {
        Path p = resolve(folder, name);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isDirectory() && !a.isSymbolicLink() && parentsAreDirectories(folder, name);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code folder/name} checked as above and not larger than {@code limit} bytes, for a library that opens the
     * file itself (a zip); null when it does not exist.
     */
    public static Path checked(Path folder, String name, long limit) {
        BasicFileAttributes a = attributes(folder, name);
        if (a == null) {
            return null;
        }
        Path p = resolve(folder, name);
        if (a.size() > limit) {
            throw tooLarge(p, a.size(), limit);
        }
        return p;
    }

    /** The file's bytes; null when it does not exist; a {@link UserError} when it is not a regular file inside. */
    public static byte[] bytes(Path folder, String name, long limit) {
        Path p = checked(folder, name, limit);
        if (p == null) {
            return null;
        }
        try (SeekableByteChannel ch = Files.newByteChannel(p, Set.<java.nio.file.OpenOption>of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            return readAtMost(ch, p, limit);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + reason(e), e);
        }
    }

    /** The file as UTF-8 text (malformed bytes replaced), or null when it does not exist. */
    public static String text(Path folder, String name, long limit) {
        byte[] b = bytes(folder, name, limit);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The last {@code tail} bytes of the file as UTF-8 text (for a log), or null when it does not exist. */
    public static String tail(Path folder, String name, long tail) {
        Path p = checked(folder, name, Long.MAX_VALUE);
        if (p == null) {
            return null;
        }
        try (SeekableByteChannel ch = Files.newByteChannel(p, Set.<java.nio.file.OpenOption>of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            ch.position(Math.max(0, ch.size() - tail));
            return new String(readAtMost(ch, p, tail), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + reason(e), e);
        }
    }

    /** The file parsed as JSON; null when it does not exist; a syntax error names its line and column only. */
    public static JsonNode json(Path folder, String name, long limit) {
        byte[] b = bytes(folder, name, limit);
        if (b == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(b);
        } catch (IOException e) {
            throw new UserError("cannot read " + resolve(folder, name) + ": " + jsonError(e), e);
        }
    }

    /** The file bound to {@code type} (Jackson); null when it does not exist; errors name the field, not values. */
    public static <T> T json(Path folder, String name, long limit, Class<T> type) {
        byte[] b = bytes(folder, name, limit);
        if (b == null) {
            return null;
        }
        try {
            return Json.MAPPER.readValue(b, type);
        } catch (IOException e) {
            throw new UserError("cannot read " + resolve(folder, name) + ": " + jsonError(e), e);
        }
    }

    /** The file as a YAML mapping (SnakeYAML's safe constructor: plain maps, lists, scalars); null when missing. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> yamlMap(Path folder, String name, long limit) {
        byte[] b = bytes(folder, name, limit);
        if (b == null) {
            return null;
        }
        Path p = resolve(folder, name);
        Object o;
        try (InputStream in = new java.io.ByteArrayInputStream(b)) {
            o = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException | YAMLException e) {
            throw new UserError("cannot read " + p + ": " + yamlError(e), e);
        } catch (StackOverflowError e) {
            throw new UserError("cannot read " + p + ": nested too deeply");
        }
        if (o == null) {
            return new LinkedHashMap<>();
        }
        if (!(o instanceof Map)) {
            throw new UserError("cannot read " + p + ": not a YAML mapping");
        }
        return (Map<String, Object>) o;
    }

    /** The real directories directly in {@code dir} (symbolic links skipped), in no particular order. */
    public static List<Path> directories(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + reason(e), e);
        }
        return out;
    }

    /** The regular files directly in {@code dir} whose names match {@code glob} (symbolic links skipped). */
    public static List<Path> files(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + reason(e), e);
        }
        return out;
    }

    /** A Jackson error as "not valid JSON at line L, column C" or "FIELD: wrong type": no content of the file. */
    public static String jsonError(IOException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder field = new StringBuilder();
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) {
                    field.append(field.length() == 0 ? "" : ".").append(Text.printable(r.getFieldName(), 60));
                } else if (r.getIndex() >= 0) {
                    field.append('[').append(r.getIndex()).append(']');
                }
            }
            return "field " + field + " has a value of the wrong type or range" + at(m.getLocation());
        }
        if (e instanceof JsonProcessingException p) {
            return "not valid JSON" + at(p.getLocation());
        }
        return reason(e);
    }

    private static String at(JsonLocation l) {
        return l == null || l.getLineNr() < 1 ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
    }

    private static String yamlError(Exception e) {
        if (e instanceof MarkedYAMLException m) {
            Mark mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
            return "not valid YAML" + (mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column "
                    + (mark.getColumn() + 1));
        }
        return e instanceof IOException io ? reason(io) : "not valid YAML";
    }

    /** The operating system's reason, without the path Java repeats. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        }
        String m = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return m.isBlank() ? e.getClass().getSimpleName() : Text.printable(m, 200);
    }

    private static byte[] readAtMost(SeekableByteChannel ch, Path p, long limit) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        long total = 0;
        int n;
        while ((n = ch.read(buf)) > 0) {
            total += n;
            if (total > limit) {
                throw tooLarge(p, total, limit);
            }
            out.write(buf.array(), 0, n);
            buf.clear();
        }
        return out.toByteArray();
    }

    private static UserError tooLarge(Path p, long size, long limit) {
        return new UserError("cannot read " + p + ": larger than the " + (limit >> 20) + " MiB a results file of"
                + " this kind may be (" + (size >> 20) + " MiB or more); not a file the runner wrote");
    }

    /** Attributes of folder/name (a regular file reached without links), null when missing; else a UserError. */
    private static BasicFileAttributes attributes(Path folder, String name) {
        Path p = resolve(folder, name);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + reason(e), e);
        }
        if (a.isSymbolicLink()) {
            throw new UserError("cannot read " + p + ": a symbolic link (results files are read only from inside"
                    + " their folder)");
        }
        if (!a.isRegularFile()) {
            throw new UserError("cannot read " + p + ": not a regular file");
        }
        if (!parentsAreDirectories(folder, name)) {
            throw new UserError("cannot read " + p + ": reached through a symbolic link (results files are read"
                    + " only from inside their folder)");
        }
        return a;
    }

    private static boolean parentsAreDirectories(Path folder, String name) {
        Path p = folder;
        String[] parts = name.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            p = p.resolve(parts[i]);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return true;
    }

    private static final Set<String> BAD_PARTS = Set.of("", ".", "..");

    private static Path resolve(Path folder, String name) {
        for (String part : name.split("/", -1)) {
            if (BAD_PARTS.contains(part) || part.contains("\\") || part.indexOf('\0') >= 0) {
                throw new UserError("not a name inside a results folder: '" + Text.printable(name, 80) + "'");
            }
        }
        return folder.resolve(name);
    }
}
