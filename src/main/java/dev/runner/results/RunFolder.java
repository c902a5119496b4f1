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
    public static final String METRICS = "metrics.json";
    public static final String PROVENANCE = "provenance.json";
    public static final String SUMMARY = "summary.txt";
    public static final String LOG = "log.txt";
    public static final String MODEL = "model.zip";
    public static final String CHECKPOINT = "checkpoint";

    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private RunFolder() {
    }

    /** Creates a new, empty run folder for experiment {@code name} under {@code root} (created if missing). */
    public static Path create(Path root, String name) {
        return create(root, name, Clock.systemUTC());
    }

    public static Path create(Path root, String name, Clock clock) {
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
        String base = RUN_ID.format(clock.instant());
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

    /** True when {@code dir} looks like a run folder (has a metrics.json). */
    public static boolean isRunFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(METRICS));
    }
}
