package dev.runner.results;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.runner.UserError;
import dev.runner.model.Network;
import dev.runner.spec.TransformSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The bridge from a trained {@link Network} to {@link FeatureMaps}: runs the chosen test images through the
 * network in inference mode and writes {@code feature_maps_<layer>.png} for every requested layer.
 */
public final class FeatureMapsFromNetwork {
    private FeatureMapsFromNetwork() {
    }

    /**
     * @param folder     the results folder the PNGs go to
     * @param name       the experiment name (for the titles)
     * @param layers     layer names, as in the experiment's {@code visualize.feature_maps.layers}
     * @param features   the chosen test images exactly as the network takes them (normalised, in
     *                   {@link Network#layout()}), shape [n, c, h, w] or [n, h, w, c]
     * @param testIndices each image's index in the test set (labels only), length n
     * @param normalize  the normalisation applied to {@code features}, undone for display (null = none, the
     *                   features are already 0..1)
     * @return the PNGs written, in layer order
     */
    public static List<Path> draw(Path folder, String name, Network net, List<String> layers, INDArray features,
                                  int[] testIndices, TransformSpec.Normalize normalize) {
        boolean nhwc = "NHWC".equalsIgnoreCase(net.layout());
        if (features.rank() != 4) {
            throw new IllegalArgumentException("features must be rank 4, got " + Arrays.toString(features.shape()));
        }
        int n = (int) features.size(0);
        if (testIndices.length != n) {
            throw new IllegalArgumentException(testIndices.length + " test indices for " + n + " images");
        }
        float[][] display = new float[n][];
        int c = (int) (nhwc ? features.size(3) : features.size(1));
        int h = (int) (nhwc ? features.size(1) : features.size(2));
        int w = (int) (nhwc ? features.size(2) : features.size(3));
        for (int i = 0; i < n; i++) {
            display[i] = chw(features, i, nhwc);
            if (normalize != null) {
                for (int ch = 0; ch < c; ch++) {
                    double mean = normalize.mean()[Math.min(ch, normalize.mean().length - 1)];
                    double std = normalize.std()[Math.min(ch, normalize.std().length - 1)];
                    for (int k = ch * h * w; k < (ch + 1) * h * w; k++) {
                        display[i][k] = (float) (display[i][k] * std + mean);
                    }
                }
            }
        }
        Map<String, INDArray> acts = net.activations(layers, features);
        List<Path> out = new ArrayList<>();
        for (String layer : layers) {
            INDArray a = acts.get(layer);
            if (a == null) {
                throw new UserError("visualize.feature_maps: the network has no layer '" + layer + "'");
            }
            if (a.rank() != 4) {
                throw new UserError("visualize.feature_maps: layer '" + layer + "' has activations of shape "
                        + Arrays.toString(Arrays.copyOfRange(a.shape(), 1, a.rank()))
                        + "; only layers with channel maps (rank 4, like convolution and pooling) can be drawn");
            }
            int mc = (int) a.size(1); // Network.activations: always [n, c, h, w]
            int mh = (int) a.size(2);
            int mw = (int) a.size(3);
            List<FeatureMaps.Sample> samples = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] flat = chw(a, i, false);
                float[][] maps = new float[mc][];
                for (int ch = 0; ch < mc; ch++) {
                    maps[ch] = Arrays.copyOfRange(flat, ch * mh * mw, (ch + 1) * mh * mw);
                }
                samples.add(new FeatureMaps.Sample(testIndices[i], display[i], c, h, w, maps, mh, mw));
            }
            Path png = folder.resolve("feature_maps_" + layer + ".png");
            FeatureMaps.grid(png, name, layer, samples);
            out.add(png);
        }
        return out;
    }

    /** Example {@code i} of a rank-4 array as a CHW float array. */
    static float[] chw(INDArray arr, int i, boolean nhwc) {
        INDArray one = arr.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        if (nhwc) {
            one = one.permute(2, 0, 1);
        }
        return one.dup('c').castTo(DataType.FLOAT).data().asFloat();
    }
}
