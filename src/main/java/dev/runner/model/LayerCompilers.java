package dev.runner.model;

import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.Dropout;
import dev.runner.spec.layers.GlobalPool;
import dev.runner.spec.layers.Pool;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.lang.SpecException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;

/**
 * The DL4J compile entry of every layer kind ({@link dev.runner.spec.layers.LayerKinds#NAMES}), keyed by {@link LayerSpec#kind()}: each
 * adds its node to the graph as DL4J's stock layers with PyTorch's semantics (output sizes with Truncate and
 * explicit padding, batch-norm momentum, flatten order, inverted dropout, the exact GELU). A new layer kind (its file
 * in {@code dev.runner.spec.layers}) needs one entry here and one oneDNN emitter ({@link dev.runner.model.onednn.Emitters}).
 */
final class LayerCompilers {
    private LayerCompilers() {}

    /** What an entry adds a node to, and what it records for the compiler. */
    static final class Build {
        final ComputationGraphConfiguration.GraphBuilder graph;
        final CNN2DFormat format;
        final double weightDecay;
        final long seed;
        /** How each layer with weights is initialised, with its fan-in and fan-out. */
        final Map<String, Initialisation.Target> inits = new LinkedHashMap<>();
        /** Forward multiply-accumulates per sample of each convolution and dense layer. */
        final Map<String, Double> macs = new LinkedHashMap<>();

        Build(ComputationGraphConfiguration.GraphBuilder graph, CNN2DFormat format, double weightDecay, long seed) {
            this.graph = graph;
            this.format = format;
            this.weightDecay = weightDecay;
            this.seed = seed;
        }
    }

    /** One kind's entry: adds {@code node}, reading {@code inputs} of shape {@code x} (the first), to the graph. */
    interface LayerCompiler {
        void add(Build b, LayerNode node, int[] x, int[] out, String[] inputs);
    }

    static final Map<String, LayerCompiler> BY_KIND = byKind();

    private static Map<String, LayerCompiler> byKind() {
        Map<String, LayerCompiler> m = new LinkedHashMap<>();
        m.put("conv", LayerCompilers::conv);
        m.put("batchnorm", LayerCompilers::batchNorm);
        for (String a : dev.runner.spec.layers.Activation.NAMES) {
            m.put(a, (b, node, x, out, ins) -> {
                var s = (dev.runner.spec.layers.Activation) node.layer();
                b.graph.addLayer(node.name(), new ActivationLayer.Builder()
                        .activation(activation(node, s.kind(), s.alpha())).build(), ins);
            });
        }
        m.put("maxpool", LayerCompilers::pool);
        m.put("avgpool", LayerCompilers::pool);
        m.put("global_avgpool", LayerCompilers::globalPool);
        m.put("global_maxpool", LayerCompilers::globalPool);
        m.put("flatten", LayerCompilers::flatten);
        m.put("dense", LayerCompilers::dense);
        m.put("dropout", LayerCompilers::dropout);
        m.put("scale", (b, node, x, out, ins) -> b.graph.addVertex(node.name(),
                new org.deeplearning4j.nn.conf.graph.ScaleVertex(((dev.runner.spec.layers.Scale) node.layer()).factor()),
                ins));
        m.put("add", (b, node, x, out, ins) -> {
            if (ins.length < 2) throw err(node, "add needs at least two inputs");
            b.graph.addVertex(node.name(), new ElementWiseVertex(ElementWiseVertex.Op.Add), ins);
        });
        m.put("concat", (b, node, x, out, ins) -> {
            if (ins.length < 2) throw err(node, "concat needs at least two inputs");
            b.graph.addVertex(node.name(), new MergeVertex(), ins);
        });
        return Map.copyOf(m);
    }

    static LayerCompiler of(LayerNode node) {
        LayerCompiler c = BY_KIND.get(node.layer().kind());
        if (c == null) throw err(node, "no DL4J compiler for " + node.layer().kind());
        return c;
    }

    private static void conv(Build b, LayerNode node, int[] x, int[] out, String[] ins) {
        Conv c = (Conv) node.layer();
        ConvolutionLayer.Builder cb = new ConvolutionLayer.Builder(c.kernel(), c.stride())
                .nIn(x[0]).nOut(c.filters())
                .dilation(c.dilation())
                .hasBias(c.bias())
                .dataFormat(b.format)
                .activation(activation(node, c.activation()));
        if (c.padding() == null) {
            cb.convolutionMode(ConvolutionMode.Same);
        } else {
            cb.convolutionMode(ConvolutionMode.Truncate).padding(c.padding());
        }
        TorchWeightDecay.apply(cb, b.weightDecay);
        b.graph.addLayer(node.name(), cb.build(), ins);
        long k = (long) c.kernel()[0] * c.kernel()[1];
        b.inits.put(node.name(), new Initialisation.Target(c.init(), x[0] * k, c.filters() * k));
        b.macs.put(node.name(), (double) out[1] * out[2] * c.filters() * x[0] * c.kernel()[0] * c.kernel()[1]);
    }

    private static void batchNorm(Build b, LayerNode node, int[] x, int[] out, String[] ins) {
        BatchNorm bn = (BatchNorm) node.layer();
        if (x.length != 3 && x.length != 1) throw err(node, "batchnorm needs a feature map or a vector");
        if (!(bn.momentum() >= 0 && bn.momentum() <= 1)) throw err(node, "momentum must be in [0, 1]");
        TorchBatchNorm t = new TorchBatchNorm();
        t.setNIn(x[0]);
        t.setNOut(x[0]);
        t.setDecay(1.0 - bn.momentum());
        t.setEps(bn.eps());
        t.setCnn2DFormat(b.format);
        t.setLayerName(node.name());
        t.setTorchWeightDecay(b.weightDecay);
        b.graph.addLayer(node.name(), t, ins);
    }

    private static void pool(Build b, LayerNode node, int[] x, int[] out, String[] ins) {
        Pool p = (Pool) node.layer();
        // avgpool counts the padding in the divisor: PyTorch's default count_include_pad=True
        SubsamplingLayer.Builder sb = new SubsamplingLayer.Builder(
                p.op().equals("max") ? SubsamplingLayer.PoolingType.MAX : SubsamplingLayer.PoolingType.AVG,
                p.kernel(), p.stride())
                .dataFormat(b.format)
                .avgPoolIncludePadInDivisor(true);
        if (p.padding() == null) {
            sb.convolutionMode(ConvolutionMode.Same);
        } else {
            sb.convolutionMode(ConvolutionMode.Truncate).padding(p.padding());
        }
        b.graph.addLayer(node.name(), sb.build(), ins);
    }

    private static void globalPool(Build b, LayerNode node, int[] x, int[] out, String[] ins) {
        GlobalPool g = (GlobalPool) node.layer();
        b.graph.addLayer(node.name(), new GlobalPoolingLayer.Builder(
                g.op().equals("max") ? PoolingType.MAX : PoolingType.AVG).build(), ins);
    }

    private static void flatten(Build b, LayerNode node, int[] x, int[] out, String[] ins) {
        if (x.length == 1) {
            b.graph.addLayer(node.name(), new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), ins);
        } else {
            b.graph.addVertex(node.name(), new PreprocessorVertex(b.format == CNN2DFormat.NCHW
                    ? new CnnToFeedForwardPreProcessor(x[1], x[2], x[0], CNN2DFormat.NCHW)
                    : new ChwFlattenPreProcessor(x[1], x[2], x[0])), ins);
        }
    }

    private static void dense(Build b, LayerNode node, int[] x, int[] out, String[] ins) {
        Dense d = (Dense) node.layer();
        DenseLayer.Builder db = new DenseLayer.Builder().nIn(x[0]).nOut(d.units()).hasBias(d.bias())
                .activation(activation(node, d.activation()));
        TorchWeightDecay.apply(db, b.weightDecay);
        b.graph.addLayer(node.name(), db.build(), ins);
        b.inits.put(node.name(), new Initialisation.Target(d.init(), x[0], d.units()));
        b.macs.put(node.name(), (double) x[0] * d.units());
    }

    private static void dropout(Build b, LayerNode node, int[] x, int[] out, String[] ins) {
        Dropout d = (Dropout) node.layer();
        if (!(d.p() >= 0 && d.p() < 1)) throw err(node, "dropout p must be in [0, 1), got " + d.p());
        b.graph.addLayer(node.name(), d.p() == 0
                ? new ActivationLayer.Builder().activation(Activation.IDENTITY).build()
                : new DropoutLayer.Builder().dropOut(new SeededDropout(d.p(), b.seed, node.name(),
                        x.length == 3 && b.format == CNN2DFormat.NHWC)).build(), ins);
    }

    private static IActivation activation(LayerNode node, String kind) {
        return kind == null ? Activation.IDENTITY.getActivationFunction() : activation(node, kind, 0.01);
    }

    static IActivation activation(LayerNode node, String kind, double alpha) {
        return switch (kind) {
            case "relu" -> Activation.RELU.getActivationFunction();
            case "leaky_relu" -> new ActivationLReLU(alpha);
            case "tanh" -> Activation.TANH.getActivationFunction();
            case "sigmoid" -> Activation.SIGMOID.getActivationFunction();
            case "gelu" -> new ErfGelu();
            case "relu6" -> new org.nd4j.linalg.activations.impl.ActivationReLU6();
            case "hardswish" -> new TorchHardswish();
            case "silu" -> new org.nd4j.linalg.activations.impl.ActivationSwish();
            default -> throw err(node, "unknown activation '" + kind + "'");
        };
    }

    static SpecException err(LayerNode node, String problem) {
        return new SpecException(node.pos(), node.path(), node.name() + ": " + problem);
    }
}
