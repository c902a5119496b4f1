package dev.runner.model;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

/**
 * A compiled, initialised network: the one small interface between the compiler and everything after it, so the
 * compile target (ComputationGraph today) can change without touching training or results.
 */
public interface Network {
    /** The layout the network expects its features in: "NCHW" or "NHWC". */
    String layout();

    /** One optimisation step on one batch (forward, backward, update). */
    void fit(DataSet batch);

    /** Which engine trains and evaluates the network, on which device, and why. */
    Placement placement();

    /** The precision it trains and evaluates in, and why. */
    default Precision precision() {
        return new Precision(Precision.FP32, "precision fp32 asked for");
    }

    /**
     * In bf16, the precision ({@code bf16} or {@code fp32}) of each layer for a batch of {@code batch}, in order
     * ({@link Precision#bf16For}); empty when every layer runs fp32 whatever the batch.
     */
    default Map<String, String> layerPrecisions(int batch) {
        return Map.of();
    }

    /**
     * On the oneDNN engine, the primitives run so far that use one of oneDNN's slow generic implementations on this
     * CPU (reference loops, generic {@code :any} code, GEMM behind a convolution; the rule is
     * {@code onednn.SlowKernels}), as "layer: primitive (implementation)"; null on an engine that cannot tell.
     */
    default List<String> slowKernels() {
        return null;
    }

    /** The mean loss of the last {@link #fit} batch. */
    double score();

    /** Class probabilities in inference mode, [batch, classes]. */
    INDArray output(INDArray features);

    /**
     * The named layers' activations in inference mode (detached copies), keyed by layer name. Feature maps are
     * always [batch, channels, height, width] (PyTorch's order), whatever {@link #layout()} is.
     */
    Map<String, INDArray> activations(List<String> layers, INDArray features);

    /** One row per layer, in order, as {@code runner check} prints them. */
    List<LayerRow> summary();

    /** Trainable parameters (batch-norm running statistics excluded). */
    long trainableParams();

    /** The underlying DL4J graph (serialisation, listeners, updater state). */
    ComputationGraph graph();

    /**
     * A row of the network table: name, type, output shape (without the batch dimension), parameters (PyTorch's
     * count, frozen ones included) and of them the frozen ones ({@code trainable: false}).
     */
    record LayerRow(String name, String type, int[] outputShape, long params, long frozen) {
        /** Nothing frozen. */
        public LayerRow(String name, String type, int[] outputShape, long params) {
            this(name, type, outputShape, params, 0);
        }
    }
}
