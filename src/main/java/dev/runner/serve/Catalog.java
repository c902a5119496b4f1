package dev.runner.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.Json;
import dev.runner.results.RunFolder;
import dev.runner.results.RunReader;
import dev.runner.results.SweepFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The runs and sweeps under a results root, as the folders say now: no database, no index of its own. A scan
 * lists the folders ({@code <name>/<run-id>/}, {@code <name>/sweep-<id>/<trial>/}) and reads each run with
 * {@link RunReader} again only when its metrics file changed (or while it is running, whose status can turn to
 * crashed without a write). A folder that cannot be read (damaged, too large, a symlink out) is an entry with an
 * error, and the rest are read as usual. Thread-safe.
 */
final class Catalog {
    /** How deep under the root run folders are looked for (a sweep's trials are 3 deep). */
    private static final int DEPTH = 4;

    /**
     * One run folder as last read.
     *
     * @param run   the run, or null when it could not be read ({@code error} says why)
     * @param sweep the id of the sweep folder it is a trial of, or null
     * @param provenance provenance.json (an empty object when missing or unreadable)
     */
    record Entry(String id, Path folder, RunReader.Run run, String error, String sweep, long stamp,
                 JsonNode provenance) {}

    /** One sweep folder as last read; {@code index} null when it could not be read. */
    record Sweep(String id, Path folder, SweepFolder.Index index, String error, long stamp) {}

    /** A scan's result: runs newest first, sweeps newest first. */
    record Snapshot(List<Entry> runs, List<Sweep> sweeps) {}

    private final ResultsFiles files;
    private final Map<Path, Entry> runs = new HashMap<>();
    private final Map<Path, Sweep> sweeps = new HashMap<>();

    Catalog(ResultsFiles files) {
        this.files = files;
    }

    ResultsFiles files() {
        return files;
    }

    /** Lists the root and reads what changed since the last scan. */
    synchronized Snapshot scan() {
        List<Path> runFolders = new ArrayList<>();
        List<Path> sweepFolders = new ArrayList<>();
        walk(files.root(), 0, runFolders, sweepFolders);
        List<Entry> outRuns = new ArrayList<>();
        Map<Path, Entry> keepRuns = new HashMap<>();
        for (Path f : runFolders) {
            Entry e = readRun(f);
            keepRuns.put(f, e);
            outRuns.add(e);
        }
        runs.keySet().retainAll(keepRuns.keySet());
        runs.putAll(keepRuns);
        List<Sweep> outSweeps = new ArrayList<>();
        Map<Path, Sweep> keepSweeps = new HashMap<>();
        for (Path f : sweepFolders) {
            Sweep s = readSweep(f);
            keepSweeps.put(f, s);
            outSweeps.add(s);
        }
        sweeps.keySet().retainAll(keepSweeps.keySet());
        sweeps.putAll(keepSweeps);
        // newest first: by run id (a start time), then by path
        outRuns.sort((a, b) -> {
            int c = RunFolder.START_ORDER.compare(b.folder(), a.folder());
            return c != 0 ? c : a.id().compareTo(b.id());
        });
        outSweeps.sort((a, b) -> RunFolder.START_ORDER.compare(b.folder(), a.folder()));
        return new Snapshot(List.copyOf(outRuns), List.copyOf(outSweeps));
    }

    /** The run with this id as of a fresh scan of its folder, or null when there is none. */
    Entry run(String id) throws ResultsFiles.Refused {
        Path f = files.resolve(id);
        if (!RunReader.isResultsFolder(f)) {
            throw new ResultsFiles.Refused("no such run: " + id);
        }
        synchronized (this) {
            Entry e = readRun(f);
            runs.put(f, e);
            return e;
        }
    }

    Sweep sweep(String id) throws ResultsFiles.Refused {
        Path f = files.resolve(id);
        if (!SweepFolder.isSweepFolder(f)) {
            throw new ResultsFiles.Refused("no such sweep: " + id);
        }
        synchronized (this) {
            Sweep s = readSweep(f);
            sweeps.put(f, s);
            return s;
        }
    }

    private void walk(Path dir, int depth, List<Path> runFolders, List<Path> sweepFolders) {
        if (depth > 0 && RunReader.isResultsFolder(dir)) {
            runFolders.add(dir);
            return;
        }
        if (depth > 0 && SweepFolder.isSweepFolder(dir)) {
            sweepFolders.add(dir);
        }
        if (depth >= DEPTH) {
            return;
        }
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.filter(files::isFolder).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return;
        }
        for (Path c : children) {
            String n = c.getFileName().toString();
            if (n.startsWith(".") || n.startsWith(RunFolder.CHECKPOINT)) {
                continue;
            }
            walk(c, depth + 1, runFolders, sweepFolders);
        }
    }

    /** What changes when a run's files change: size and time of its metrics file and of its lock. */
    private static long stamp(Path folder, String... names) {
        long h = 17;
        for (String n : names) {
            Path f = folder.resolve(n);
            try {
                h = 31 * h + Files.size(f);
                h = 31 * h + Files.getLastModifiedTime(f).toMillis();
            } catch (IOException e) {
                h = 31 * h - 1;
            }
        }
        return h;
    }

    private Entry readRun(Path f) {
        long stamp = stamp(f, RunFolder.METRICS, "lr_range_test.json", RunFolder.EXPERIMENT, RunFolder.PROVENANCE);
        Entry old = runs.get(f);
        boolean live = old != null && old.run() != null
                && ("running".equals(old.run().status()) || RunReader.CRASHED.equals(old.run().status()));
        if (old != null && old.stamp() == stamp && !live) {
            return old;
        }
        String id = files.id(f);
        Path parent = f.getParent();
        String sweep = parent != null && SweepFolder.isSweepFolder(parent) ? files.id(parent) : null;
        try {
            files.checkRunFiles(f);
            return new Entry(id, f, RunReader.read(f), null, sweep, stamp, provenance(f));
        } catch (ResultsFiles.Refused e) {
            return new Entry(id, f, null, e.getMessage(), sweep, stamp, Json.MAPPER.createObjectNode());
        } catch (RuntimeException e) {
            // a damaged file: the reader's one line, without the machine's path
            String msg = String.valueOf(e.getMessage()).replace(files.root().toString() + "/", "");
            return new Entry(id, f, null, msg, sweep, stamp, Json.MAPPER.createObjectNode());
        }
    }

    private JsonNode provenance(Path folder) {
        String text = files.text(folder.resolve(RunFolder.PROVENANCE), ResultsFiles.MAX_TEXT);
        try {
            JsonNode p = text == null ? null : Json.MAPPER.readTree(text);
            return p != null && p.isObject() ? p : Json.MAPPER.createObjectNode();
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    private Sweep readSweep(Path f) {
        long stamp = stamp(f, SweepFolder.INDEX);
        Sweep old = sweeps.get(f);
        if (old != null && old.stamp() == stamp) {
            return old;
        }
        try {
            files.file(f.resolve(SweepFolder.INDEX), ResultsFiles.MAX_JSON);
            return new Sweep(files.id(f), f, SweepFolder.read(f), null, stamp);
        } catch (ResultsFiles.Refused e) {
            return new Sweep(files.id(f), f, null, e.getMessage(), stamp);
        } catch (RuntimeException e) {
            String msg = String.valueOf(e.getMessage()).replace(files.root().toString() + "/", "");
            return new Sweep(files.id(f), f, null, msg, stamp);
        }
    }
}
