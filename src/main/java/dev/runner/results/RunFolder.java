package dev.runner.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import dev.runner.UserError;

/**
 * A results folder {@code <root>/<name>/<run-id>/}: run-id is the UTC start time {@code yyyyMMdd-HHmmss}, with
 * {@code -2}, {@code -3}, ... when that folder exists. The folder is created with {@code createDirectory}, which
 * fails if it exists, so two runs never share one and no folder is ever overwritten.
 */
public final class RunFolder {
    public static final String EXPERIMENT = "experiment.yaml";
    public static final String METRICS = dev.runner.train.Metrics.FILE;
    public static final String PROVENANCE = "provenance.json";
    public static final String SUMMARY = "summary.txt";
    public static final String LOG = "log.txt";
    public static final String MODEL = "model.zip";
    public static final String CHECKPOINT = dev.runner.train.Checkpoint.DIR;
    /** Disk set aside during a run for its last metrics.json ({@code RunRecorder.Run#reserve}); gone at its end. */
    public static final String RESERVE = ".reserve";

    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private RunFolder() {
    }

    /** Creates a new, empty run folder for experiment {@code name} under {@code root} (created if missing). */
    public static Path create(Path root, String name) {
        return create(root, name, Clock.systemUTC());
    }

    public static Path create(Path root, String name, Clock clock) {
        return create(root, name, clock, "");
    }

    /** As {@link #create(Path, String, Clock)}, the run-id after {@code prefix} (a sweep's {@code sweep-}). */
    static Path create(Path root, String name, Clock clock, String prefix) {
        if (name == null || name.isBlank() || name.contains("/") || name.contains("\\") || name.equals(".")
                || name.equals("..")) {
            throw new UserError("invalid experiment name for a results folder: '" + name + "'");
        }
        Path parent = root.resolve(name);
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UserError("cannot create results directory " + parent + ": " + e.getMessage(), e);
        }
        String base = prefix + RUN_ID.format(clock.instant());
        for (int n = 1; ; n++) {
            Path candidate = parent.resolve(n == 1 ? base : base + "-" + n);
            try {
                return Files.createDirectory(candidate);
            } catch (FileAlreadyExistsException e) {
                // taken: try the next suffix
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + candidate + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Creates exactly {@code folder} (its parents when missing), new and empty: a sweep's trial. Fails when it
     * exists, so that no folder is ever overwritten.
     */
    public static Path createExactly(Path folder) {
        try {
            Files.createDirectories(folder.toAbsolutePath().getParent());
            return Files.createDirectory(folder);
        } catch (FileAlreadyExistsException e) {
            throw new UserError("results folder " + folder + " exists already (a results folder is never"
                    + " overwritten)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes what a killed process can leave half-written in {@code folder}: the temporary files of atomic writes
     * ({@code .<name>*.tmp}) and of the final model ({@code model.zip.raw.tmp}, {@code model.zip.tmp}). A resume
     * calls it, so a resumed run's folder holds what an uninterrupted one does.
     */
    public static void removeTemporaries(Path folder) {
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && (n.startsWith(".") && n.endsWith(".tmp") || n.equals(RESERVE) || n.equals(MODEL + ".raw.tmp")
                        || n.equals(MODEL + ".tmp"))) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean up " + folder + ": " + e.getMessage(), e);
        }
    }

    /** True when {@code dir} looks like a run folder (has a metrics.json). */
    public static boolean isRunFolder(Path dir) {
        return dev.runner.ResultFiles.exists(dir, METRICS);
    }

    /**
     * Run folders in the order they were started: run-ids compared with digit runs as numbers, so
     * {@code 20261127-225159} &lt; {@code 20261127-225159-2} &lt; {@code ...-10}.
     */
    public static final java.util.Comparator<Path> START_ORDER =
            java.util.Comparator.comparing((Path p) -> p.getFileName().toString(), RunFolder::compareNatural);

    /** Compares strings with digit runs compared as numbers. */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
