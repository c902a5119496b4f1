package dev.runner.model;

import dev.runner.spec.ModelSpec;

/**
 * Compiles an expanded model spec into an initialised network. The one seam between the experiment language and
 * the compile target; {@link #computationGraph()} is the implementation in use.
 */
public interface ModelCompiler {
    /**
     * @throws dev.runner.spec.lang.SpecException when the spec cannot be built (a kernel larger than its input, a dense
     *                                       layer on a feature map, ...), naming the declaring layer's position
     */
    Network compile(ModelSpec spec, CompileOptions options);

    /** The DL4J ComputationGraph compiler. */
    static ModelCompiler computationGraph() {
        return new GraphCompiler();
    }
}
