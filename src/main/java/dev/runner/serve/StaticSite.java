package dev.runner.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.Json;
import dev.runner.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code runner report --html DIR}: the pages of {@link Server} as static files, for sharing and archiving: the
 * same {@code index.html} and scripts, with each document the server would send written to
 * {@code data/<kind>-<hex of id>.js} (a script, so the pages open from disk, where a browser will not fetch
 * files), and the runs' PNGs copied to {@code files/<run id>/}. Nothing is written outside {@code DIR}; a
 * {@code DIR} that holds anything but an earlier report is refused.
 */
public final class StaticSite {
    /** The file that marks a folder as written by this class, so writing it again may replace it. */
    static final String MARK = ".runner-report";
    static final String WEB = "/dev/runner/serve/web/";
    static final String ECHARTS = "/META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    private StaticSite() {
    }

    /** What was written. */
    public record Written(Path dir, int runs, int sweeps, int unreadable) {}

    /** Writes the pages of every run and sweep under {@code root} into {@code dir}. */
    public static Written write(Path root, Path dir) {
        if (!Files.isDirectory(root)) {
            throw new UserError("no such results folder: " + root);
        }
        try {
            ResultsFiles files = new ResultsFiles(root);
            if (realish(dir).startsWith(files.root())) {
                throw new UserError("report --html: " + dir + " is inside the results folder " + root
                        + "; write the report elsewhere");
            }
            prepare(dir);
            Catalog catalog = new Catalog(files);
            Views views = new Views(catalog);
            Catalog.Snapshot snap = catalog.scan();
            Files.createDirectories(dir.resolve("assets"));
            Files.createDirectories(dir.resolve("data"));
            String html = new String(asset("index.html"), StandardCharsets.UTF_8)
                    .replace("data-mode=\"serve\"", "data-mode=\"static\"");
            Files.writeString(dir.resolve("index.html"), html);
            for (String a : List.of("app.js", "app.css", "echarts.min.js")) {
                Files.write(dir.resolve("assets").resolve(a), asset(a));
            }
            data(dir, "runs", "", views.runs(snap, false));
            int unreadable = 0;
            for (Catalog.Entry e : snap.runs()) {
                data(dir, "run", e.id(), views.run(e));
                if (e.run() == null) {
                    unreadable++;
                    continue;
                }
                for (String png : views.images(e.folder())) {
                    try {
                        byte[] b = files.bytes(e.folder().resolve(png), ResultsFiles.MAX_IMAGE);
                        Path to = dir.resolve("files");
                        for (String part : e.id().split("/")) to = to.resolve(part);
                        Files.createDirectories(to);
                        Files.write(to.resolve(png), b);
                    } catch (ResultsFiles.Refused ex) {
                        // not copied: the page shows it missing
                    }
                }
            }
            for (Catalog.Sweep s : snap.sweeps()) {
                data(dir, "sweep", s.id(), views.sweep(s, snap.runs()));
            }
            Files.writeString(dir.resolve(MARK), "written by runner report --html\n");
            return new Written(dir, snap.runs().size(), snap.sweeps().size(), unreadable);
        } catch (IOException e) {
            throw new UserError("report --html: cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The real path of {@code dir}'s nearest existing folder, with the rest of {@code dir} after it. */
    private static Path realish(Path dir) throws IOException {
        Path p = dir.toAbsolutePath().normalize();
        Path rest = p.getFileSystem().getPath("");
        while (p != null && !Files.exists(p)) {
            rest = p.getFileName().resolve(rest);
            p = p.getParent();
        }
        return p == null ? dir.toAbsolutePath().normalize() : p.toRealPath().resolve(rest);
    }

    /** {@code dir} absent, empty, or an earlier report (whose files are removed first); else refused. */
    private static void prepare(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError("report --html: " + dir + " is a file; name a folder");
        }
        boolean empty;
        try (Stream<Path> s = Files.list(dir)) {
            empty = s.findAny().isEmpty();
        }
        if (empty) return;
        if (!Files.isRegularFile(dir.resolve(MARK))) {
            throw new UserError("report --html: " + dir + " is not empty and not an earlier report; name a new"
                    + " or empty folder");
        }
        for (String sub : List.of("data", "files", "assets")) {
            Path p = dir.resolve(sub);
            if (Files.isDirectory(p) && !Files.isSymbolicLink(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
                }
            }
        }
    }

    /** The script holding one document: {@code data/<kind>-<hex of id>.js}. */
    static String dataFile(String kind, String id) {
        return kind + "-" + HexFormat.of().formatHex(id.getBytes(StandardCharsets.UTF_8)) + ".js";
    }

    private static void data(Path dir, String kind, String id, ObjectNode doc) throws IOException {
        String key = kind + ":" + id;
        String js = "RUNNER_DATA[" + Json.ONE_LINE.writeValueAsString(key) + "] = "
                + Json.ONE_LINE.writeValueAsString(doc) + ";\n";
        Files.writeString(dir.resolve("data").resolve(dataFile(kind, id)), js);
    }

    /** A page file ({@code index.html}, {@code app.js}, {@code app.css}) or the chart library. */
    static byte[] asset(String name) {
        return Server.resource(name.equals("echarts.min.js") ? ECHARTS : WEB + name);
    }

    static String contentType(String name) {
        Map<String, String> types = Map.of("html", "text/html; charset=utf-8", "js",
                "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");
        return types.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
    }
}
