package dev.runner.model;

import dev.runner.UserError;
import dev.runner.spec.ModelSpec;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** Networks that do not come straight from a compile. */
public final class Networks {
    private Networks() {}

    /**
     * A {@link Network} around a restored graph (a checkpoint or model.zip written from a network compiled from
     * the same spec and options): summary, layout and names come from compiling the spec again. The network's
     * graph holds the restored parameters and updater state; it is not {@code restored} itself (see {@link EngineGraph#of}).
     *
     * @throws IllegalArgumentException when the graph's architecture does not match the spec's
     */
    public static Network restore(ModelSpec spec, CompileOptions options, ComputationGraph restored) {
        GraphNetwork compiled = (GraphNetwork) ModelCompiler.computationGraph().compile(spec, options);
        return compiled.withGraph(restored);
    }

    /**
     * Reads a model.zip / checkpoint written with {@code ModelSerializer.writeModel(graph, file, true)} through
     * {@link ModelZip#read} (which refuses anything the runner did not write) and wraps it.
     * Initialises the {@link Backend} first (the device, threads and wait policy precede the native library).
     *
     * @param withUpdater also restore the updater state (to continue training)
     * @throws UserError when the file cannot be read or does not hold this spec's network
     */
    public static Network load(ModelSpec spec, CompileOptions options, Path file, boolean withUpdater) {
        Backend.init();
        ComputationGraph graph = ModelZip.read(file, withUpdater);
        try {
            return restore(spec, options, graph);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage(), e);
        }
    }
}
