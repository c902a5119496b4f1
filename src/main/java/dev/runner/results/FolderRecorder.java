package dev.runner.results;

import dev.runner.AtomicFiles;
import dev.runner.spec.Experiment;
import dev.runner.train.RunRecorder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records runs as results folders: {@code <root>/<name>/<run-id>/} ({@link #under}) or one given new folder, a
 * sweep's trial ({@link #into}). A new run's folder gets {@code experiment.yaml} (the resolved experiment),
 * {@code provenance.json} (with the caller's extra entries, written at once so that they are there even if the
 * process is killed) and {@code summary.txt}; {@code log.txt} is appended to as the run goes. A run's folder is
 * locked ({@link RunLock}) from start (or reopening) until the run is closed.
 */
public final class FolderRecorder implements RunRecorder {
    private final Path root;
    private final Path exactly;
    private final String experimentYaml;
    private final Provenance.Input provenance;
    private final Map<String, Object> entries = new LinkedHashMap<>();

    private FolderRecorder(Path root, Path exactly, String experimentYaml, Provenance.Input provenance) {
        this.root = root;
        this.exactly = exactly;
        this.experimentYaml = experimentYaml;
        this.provenance = provenance;
    }

    /** New runs go to {@code <root>/<name>/<run-id>/}. */
    public static FolderRecorder under(Path root, String experimentYaml, Provenance.Input provenance) {
        return new FolderRecorder(root, null, experimentYaml, provenance);
    }

    /** The new run goes to exactly {@code folder}, which must not exist yet. */
    public static FolderRecorder into(Path folder, String experimentYaml, Provenance.Input provenance) {
        return new FolderRecorder(null, folder, experimentYaml, provenance);
    }

    /** An extra top-level key of provenance.json (e.g. the CLI's {@code lr_from_range_test}, {@code training_path}). */
    public FolderRecorder entry(String key, Object value) {
        entries.put(key, value);
        return this;
    }

    @Override
    public Run start(Experiment exp) {
        Path folder = exactly != null ? RunFolder.createExactly(exactly) : RunFolder.create(root, exp.name());
        RunLock.acquire(folder);
        FolderRun run = new FolderRun(folder);
        try {
            AtomicFiles.writeString(folder.resolve(RunFolder.EXPERIMENT), experimentYaml == null ? ""
                    : experimentYaml);
            Provenance.Input pin = provenance != null ? provenance
                    : new Provenance.Input(exp.seed(), null, List.of(), List.of(), null);
            Provenance.start(folder, pin, Instant.now());
            entries.forEach((k, v) -> Provenance.put(folder, k, v));
        } catch (RuntimeException e) {
            throw run.abandoned(e);
        }
        return run;
    }

    @Override
    public Run reopen(Path folder) {
        RunLock.acquire(folder);
        return new FolderRun(folder);
    }

    private record FolderRun(Path folder) implements Run {
        @Override
        public void resumed(List<String> commandLine) {
            Provenance.resume(folder, commandLine, Instant.now());
        }

        @Override
        public void removeTemporaries() {
            RunFolder.removeTemporaries(folder);
        }

        @Override
        public void close() {
            RunLock.release(folder);
        }

        @Override
        public Log log(PrintStream terminal) {
            return new RunLog(terminal, folder.resolve(RunFolder.LOG));
        }

        @Override
        public String summary() {
            String s = dev.runner.ResultFiles.text(folder, RunFolder.SUMMARY, dev.runner.ResultFiles.SMALL_LIMIT);
            return s == null ? "" : s;
        }

        @Override
        public void summary(String text) {
            try {
                AtomicFiles.writeString(folder.resolve(RunFolder.SUMMARY), text);
            } catch (RuntimeException e) {
                if (dev.runner.ResultFiles.exists(folder, RunFolder.METRICS)) {
                    throw e;
                }
                throw abandoned(e);      // the run's first files do not fit: nothing to keep
            }
        }

        @Override
        public void write(String file, String text) {
            AtomicFiles.writeString(folder.resolve(file), text);
        }

        @Override
        public void provenance(String key, Object value) {
            Provenance.put(folder, key, value);
        }

        @Override
        public Path modelFile() {
            return folder.resolve(RunFolder.MODEL);
        }

        @Override
        public void ended(boolean bestEffort) {
            try {
                Provenance.end(folder, Instant.now());
            } catch (RuntimeException e) {
                if (!bestEffort) {
                    throw e;
                }
            }
        }

        @Override
        public void reserve(long bytes) {
            Path f = folder.resolve(RunFolder.RESERVE);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(1 << 16);
                for (long done = 0; done < bytes; ) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - done));
                    done += ch.write(zeros);
                }
                ch.force(true);      // the blocks are the disk's now, not a promise
            } catch (IOException e) {
                releaseReserve();
                throw new dev.runner.UserError("cannot set aside " + (bytes >> 10) + " KB in " + folder
                        + " for the run's last metrics: " + (e instanceof java.nio.file.FileSystemException fs
                        && fs.getReason() != null ? fs.getReason() : e.toString()), e);
            }
        }

        @Override
        public void releaseReserve() {
            try {
                Files.deleteIfExists(folder.resolve(RunFolder.RESERVE));
            } catch (IOException e) {
                // nothing more to give back
            }
        }

        @Override
        public void abandon() {
            RunLock.release(folder);
            try (java.util.stream.Stream<Path> s = Files.walk(folder)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // what is left is not a results folder: table skips it, a resume says so
            }
        }

        /** {@code e} after {@link #abandon}: the same one line, saying the folder was removed. */
        RuntimeException abandoned(RuntimeException e) {
            abandon();
            String msg = e.getMessage() + "; the run could not start (" + folder + " removed)";
            return e instanceof dev.runner.UserError u ? new dev.runner.UserError(msg, u.exitCode(), e)
                    : new UncheckedIOException(msg, e.getCause() instanceof IOException io ? io
                    : new IOException(e.getMessage()));
        }
    }
}
