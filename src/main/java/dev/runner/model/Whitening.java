package dev.runner.model;

import dev.runner.spec.LayerNode;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.InitSpec;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The data-dependent initialisation {@code init: {whitening: {...}}} of a convolution on the network's input
 * (Jordan, arXiv 2404.00498, after Coates and Ng): with P the d = in_channels x kh x kw values of each stride-1
 * kernel-sized patch of the first {@code images} training images (normalised, not augmented, in that order),
 * C = mean(P P^T) (uncentred) = V diag(lambda) V^T, the filters are the eigenvectors V_k / sqrt(lambda_k + eps),
 * largest eigenvalue first, then (with 2d filters) the same negated; the bias is 0. The conv's output on those
 * patches then has the identity as its second moment (for the first d filters). ND4J's symmetric eigensolver
 * (LAPACK's syev) does the decomposition.
 */
public final class Whitening {
    private Whitening() {}

    /** The convolutions of {@code spec} that take their weights from the data. */
    public static List<LayerNode> layers(ModelSpec spec) {
        return spec.nodes().stream().filter(n -> n.layer() instanceof Conv c && c.init() instanceof InitSpec.Whitening)
                .toList();
    }

    /** How many training images the whitening layers read (0: none to initialise). */
    public static int imagesNeeded(ModelSpec spec) {
        return layers(spec).stream().mapToInt(n -> ((InitSpec.Whitening) ((Conv) n.layer()).init()).images()).max()
                .orElse(0);
    }

    /**
     * Sets every whitening layer's weights from {@code images} ([n, c, h, w], normalised, NCHW), each from its first
     * {@code images} of them, and its bias to 0.
     */
    public static void apply(Network net, ModelSpec spec, INDArray images) {
        for (LayerNode n : layers(spec)) {
            Conv c = (Conv) n.layer();
            InitSpec.Whitening w = (InitSpec.Whitening) c.init();
            INDArray filters = filters(images, Math.min(w.images(), (int) images.size(0)), c.kernel()[0], c.kernel()[1],
                    c.filters(), w.eps());
            INDArray param = net.graph().getLayer(n.name()).getParam("W");
            net.graph().setParam(n.name() + "_W", filters.reshape(param.shape()).castTo(param.dataType()));
            if (c.bias()) {
                INDArray b = net.graph().getLayer(n.name()).getParam("b");
                net.graph().setParam(n.name() + "_b", Nd4j.zeros(b.dataType(), b.shape()));
            }
        }
    }

    /** The second moment (uncentred covariance) of the kh x kw patches (stride 1) of the first n images, d x d. */
    static double[][] patchMoment(INDArray images, int n, int kh, int kw) {
        INDArray x = images.castTo(DataType.FLOAT).dup('c');
        int ch = (int) x.size(1), h = (int) x.size(2), wd = (int) x.size(3);
        float[] v = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n)).dup('c').data().asFloat();
        int d = ch * kh * kw;
        double[][] m = new double[d][d];
        double[] p = new double[d];
        long count = 0;
        for (int i = 0; i < n; i++) {
            int base = i * ch * h * wd;
            for (int y = 0; y + kh <= h; y++) {
                for (int xx = 0; xx + kw <= wd; xx++) {
                    int k = 0;
                    for (int c = 0; c < ch; c++)
                        for (int dy = 0; dy < kh; dy++)
                            for (int dx = 0; dx < kw; dx++)
                                p[k++] = v[base + (c * h + y + dy) * wd + xx + dx];
                    for (int a = 0; a < d; a++) {
                        double pa = p[a];
                        for (int b = a; b < d; b++) m[a][b] += pa * p[b];
                    }
                    count++;
                }
            }
        }
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++) {
                m[a][b] /= count;
                m[b][a] = m[a][b];
            }
        return m;
    }

    /** The whitening filters, [filters, c * kh * kw] (filters = d or 2d). */
    static INDArray filters(INDArray images, int n, int kh, int kw, int filters, double eps) {
        double[][] m = patchMoment(images, n, kh, kw);
        int d = m.length;
        INDArray a = Nd4j.create(m);                                  // double; overwritten with the eigenvectors
        INDArray values = Eigen.symmetricGeneralizedEigenvalues(a, true);   // ascending; a's columns the vectors
        double[] out = new double[filters * d];
        for (int k = 0; k < d; k++) {
            int col = d - 1 - k;                                      // largest first
            double scale = 1 / Math.sqrt(Math.max(values.getDouble(col), 0) + eps);
            for (int j = 0; j < d; j++) {
                out[k * d + j] = a.getDouble(j, col) * scale;
                if (filters == 2 * d) out[(k + d) * d + j] = -out[k * d + j];
            }
        }
        return Nd4j.create(out, new long[] {filters, d}, 'c');
    }
}
