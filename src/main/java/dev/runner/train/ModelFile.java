package dev.runner.train;

import dev.runner.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Writes a trained model ({@code model.zip}, {@code best_model.zip}): DL4J's ModelSerializer format with the updater
 * state, entry times fixed so identical runs write identical files, replaced atomically.
 */
public final class ModelFile {
    private ModelFile() {}

    /** Writes {@code graph} to {@code model} atomically (a temporary file beside it, synced, then moved). */
    public static void write(ComputationGraph graph, Path model) {
        write(graph, model, AtomicFiles.WriteHook.NONE);
    }

    /** {@link #write(ComputationGraph, Path)}, seen by {@code hook} first. */
    public static void write(ComputationGraph graph, Path model, AtomicFiles.WriteHook hook) {
        Path raw = model.resolveSibling(model.getFileName() + ".raw.tmp");
        Path tmp = model.resolveSibling(model.getFileName() + ".tmp");
        try {
            hook.beforeWrite(model);
            org.deeplearning4j.util.ModelSerializer.writeModel(graph, raw.toFile(), true);
            withoutTimestamps(raw, tmp);
            Files.delete(raw);
            AtomicFiles.sync(tmp, hook);
            AtomicFiles.move(tmp, model);
            AtomicFiles.syncDirectory(model.getParent(), hook);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + model.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies the zip {@code from} to {@code to} with every entry's time set to 1980-01-01 00:00: ModelSerializer
     * stamps the entries with the current time, which made model.zip differ between identical runs.
     */
    static void withoutTimestamps(Path from, Path to) throws IOException {
        java.time.LocalDateTime fixed = java.time.LocalDateTime.of(1980, 1, 1, 0, 0);
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(from));
             var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(to))) {
            for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                java.util.zip.ZipEntry copy = new java.util.zip.ZipEntry(e.getName());
                copy.setTimeLocal(fixed);
                out.putNextEntry(copy);
                in.transferTo(out);
                out.closeEntry();
            }
        }
    }
}
