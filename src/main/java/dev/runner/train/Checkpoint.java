package dev.runner.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import dev.runner.ResultFiles;
import dev.runner.UserError;
import dev.runner.AtomicFiles;
import dev.runner.Json;

/**
 * {@code <run folder>/checkpoint/}: {@code model.zip} (parameters, updater state, iteration count),
 * {@code state.json} ({@link State}) and {@code metrics.json} (the metrics up to that point). Written into
 * {@code checkpoint.tmp/}, flushed to the disk (files and folder), and swapped in by renames, so there is always
 * one complete checkpoint on disk, also after a power cut (if the process dies between the renames,
 * {@code checkpoint.old/} is the complete one and is used).
 *
 * <p>The random state needs no saving: the trainer reseeds ND4J's generator from (seed, iteration) before every
 * step and the data is a function of (seed, epoch), so (epoch, batches done) restores it.
 */
public final class Checkpoint {
    /** The checkpoint's folder inside the run folder. */
    public static final String DIR = "checkpoint";
    public static final String MODEL = "model.zip";
    public static final String STATE = "state.json";
    private static final ObjectMapper JSON = Json.MAPPER;

    /**
     * Where training continues.
     *
     * @param epoch        0-based epoch to continue (in progress or next)
     * @param batchesDone  batches of that epoch already trained (0 = start of the epoch)
     * @param iteration    DL4J iteration count (total optimizer steps so far)
     * @param seed         the run's seed
     * @param epochSeconds seconds already spent in {@code epoch}
     */
    public record State(int epoch, int batchesDone, long iteration, long seed, double epochSeconds) {}

    private Checkpoint() {
    }

    public static Path dir(Path runFolder) {
        return runFolder.resolve(dirName(runFolder));
    }

    /** The checkpoint folder's name: {@code checkpoint}, or {@code checkpoint.old} when a save was cut short. */
    private static String dirName(Path runFolder) {
        if (!ResultFiles.isDirectory(runFolder, DIR) && ResultFiles.isDirectory(runFolder, DIR + ".old")) {
            return DIR + ".old";
        }
        return DIR;
    }

    public static boolean exists(Path runFolder) {
        String d = dirName(runFolder);
        return ResultFiles.exists(runFolder, d + "/" + STATE) && ResultFiles.exists(runFolder, d + "/" + MODEL);
    }

    /**
     * The checkpoint's model file, checked as {@link ResultFiles} reads (inside the folder, a regular file, at
     * most {@link #MODEL_LIMIT}): restore it with {@link #restoreGraph} or {@code ModelZip.read}.
     */
    public static Path modelFile(Path runFolder) {
        Path p = ResultFiles.checked(runFolder, dirName(runFolder) + "/" + MODEL, MODEL_LIMIT);
        return p != null ? p : dir(runFolder).resolve(MODEL);
    }

    /** The largest checkpoint model read: 16 GiB (ModelZip checks each entry's size against the network). */
    public static final long MODEL_LIMIT = 16L << 30;

    public static void save(Path runFolder, ComputationGraph graph, State state, Metrics metrics) {
        save(runFolder, graph, state, metrics, AtomicFiles.WriteHook.NONE);
    }

    /** {@link #save(Path, ComputationGraph, State, Metrics)}, seen by {@code hook} first. */
    public static void save(Path runFolder, ComputationGraph graph, State state, Metrics metrics,
                            AtomicFiles.WriteHook hook) {
        Path tmp = runFolder.resolve(DIR + ".tmp");
        Path cp = runFolder.resolve(DIR);
        Path old = runFolder.resolve(DIR + ".old");
        try {
            deleteTree(tmp);
            hook.beforeWrite(tmp);
            Files.createDirectory(tmp);
            ModelSerializer.writeModel(graph, tmp.resolve(MODEL).toFile(), true);
            Files.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state) + "\n");
            Files.writeString(tmp.resolve(Metrics.FILE), metrics.toJson());
            for (String f : new String[] {MODEL, STATE, Metrics.FILE}) {
                AtomicFiles.sync(tmp.resolve(f), hook);
            }
            AtomicFiles.syncDirectory(tmp, hook);     // the files are on the disk before a rename can publish them
            deleteTree(old);
            if (Files.isDirectory(cp)) {
                AtomicFiles.move(cp, old);
            }
            AtomicFiles.move(tmp, cp);
            AtomicFiles.syncDirectory(runFolder, hook);
            deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + runFolder + ": " + e.getMessage(), e);
        }
    }

    public static State readState(Path runFolder) {
        requireExists(runFolder);
        String name = dirName(runFolder) + "/" + STATE;
        try {
            return ResultFiles.json(runFolder, name, ResultFiles.SMALL_LIMIT, State.class);
        } catch (UserError e) {
            throw new UserError(e.getMessage() + " (an unreadable checkpoint state)", e);
        }
    }

    /** Refuses (one line) a state outside a run of {@code epochs} x {@code batches}: a damaged checkpoint. */
    public static void checkState(Path runFolder, State s, int epochs, int batches) {
        if (s.epoch() < 0 || s.epoch() >= epochs || s.batchesDone() < 0 || s.batchesDone() > batches
                || s.iteration() < 0 || !(s.epochSeconds() >= 0) || s.epochSeconds() > 1e12) {
            throw new UserError("--resume " + runFolder + ": " + dir(runFolder).resolve(STATE) + " is damaged"
                    + " (epoch " + s.epoch() + ", batch " + s.batchesDone() + " of a run of " + epochs
                    + " epochs of " + batches + " batches)");
        }
    }

    public static Metrics readMetrics(Path runFolder) {
        requireExists(runFolder);
        return Metrics.read(runFolder, dirName(runFolder) + "/" + Metrics.FILE);
    }

    /** The checkpointed graph with its updater state and iteration count (wrap it as a Network to resume). */
    public static ComputationGraph restoreGraph(Path runFolder) {
        requireExists(runFolder);
        return dev.runner.model.ModelZip.read(modelFile(runFolder), true);
    }

    /** Removes the checkpoint (after a completed run). */
    public static void delete(Path runFolder) {
        try {
            for (String n : new String[] {"", ".tmp", ".old"}) {
                deleteTree(runFolder.resolve(DIR + n));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete checkpoint in " + runFolder + ": " + e.getMessage(), e);
        }
    }

    private static void requireExists(Path runFolder) {
        if (!exists(runFolder)) {
            throw new UserError("no checkpoint in " + runFolder + " (expected " + DIR + "/"
                    + STATE + " and " + MODEL + ")");
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
