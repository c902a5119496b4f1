package dev.runner.model;

import dev.runner.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fine-tuning's start: the parameters of a trained network copied into a freshly compiled one, layer by layer by
 * name, as PyTorch's {@code load_state_dict} (weights, biases, batch-norm scale, shift and running statistics).
 * With {@code all}, every layer with parameters must be in the source with the same shapes; otherwise the layers
 * whose names and shapes match are copied and the rest keep their declared initialisation.
 */
public final class WeightTransfer {
    private WeightTransfer() {}

    /** Which layers were copied and which kept their own initialisation. */
    public record Result(List<String> loaded, List<String> initialised) {}

    /**
     * Copies into {@code target}'s parameters (in place: the engines read them from there).
     *
     * @param from what the source is, for messages
     * @throws UserError (exit 2) in one line naming the layer, with {@code all}, when a layer is missing or its
     *                   shapes differ
     */
    public static Result copy(ComputationGraph source, ComputationGraph target, boolean all, String from) {
        List<String> loaded = new ArrayList<>();
        List<String> initialised = new ArrayList<>();
        for (Layer layer : target.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            Map<String, INDArray> mine = layer.paramTable();
            if (mine.isEmpty()) {
                continue;
            }
            Layer other = source.getVertex(name) == null || !source.getVertex(name).hasLayer() ? null
                    : source.getVertex(name).getLayer();
            String why = other == null ? "is not in " + from : mismatch(other.paramTable(), mine, from);
            if (why == null) {
                mine.forEach((k, v) -> v.assign(other.paramTable().get(k)));
                loaded.add(name);
            } else if (all) {
                throw new UserError("init_from: layer " + name + " " + why
                        + " (layers: matching loads only the layers that match)", 2, null);
            } else {
                initialised.add(name);
            }
        }
        return new Result(List.copyOf(loaded), List.copyOf(initialised));
    }

    /** Null when {@code theirs} has the same parameters with the same shapes as {@code mine}, else what differs. */
    private static String mismatch(Map<String, INDArray> theirs, Map<String, INDArray> mine, String from) {
        if (!theirs.keySet().equals(mine.keySet())) {
            return "has parameters " + theirs.keySet() + " in " + from + ", " + mine.keySet() + " here";
        }
        for (Map.Entry<String, INDArray> e : mine.entrySet()) {
            long[] a = theirs.get(e.getKey()).shape();
            long[] b = e.getValue().shape();
            if (!Arrays.equals(a, b)) {
                return "has " + e.getKey() + " of shape " + Arrays.toString(a) + " in " + from + " but "
                        + Arrays.toString(b) + " here";
            }
        }
        return null;
    }
}
