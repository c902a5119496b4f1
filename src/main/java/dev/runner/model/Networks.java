package dev.runner.model;

import dev.runner.spec.ModelSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** Networks that do not come straight from a compile. */
public final class Networks {
    private Networks() {}

    /**
     * A {@link Network} around a restored graph (a checkpoint or model.zip written from a network compiled from
     * the same spec and options): summary, layout and names come from compiling the spec again.
     *
     * @throws IllegalArgumentException when the graph's architecture does not match the spec's
     */
    public static Network restore(ModelSpec spec, CompileOptions options, ComputationGraph restored) {
        GraphNetwork compiled = (GraphNetwork) ModelCompiler.computationGraph().compile(spec, options);
        return compiled.withGraph(restored);
    }
}
