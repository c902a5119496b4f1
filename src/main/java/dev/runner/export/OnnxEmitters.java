package dev.runner.export;

import static dev.runner.export.OnnxGraph.integer;
import static dev.runner.export.OnnxGraph.ints;
import static dev.runner.export.OnnxGraph.real;

import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.GlobalPool;
import dev.runner.spec.layers.Pool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The ONNX entry of every layer kind ({@link dev.runner.spec.layers.LayerKinds#NAMES}), keyed by its
 * {@link dev.runner.spec.layers.LayerSpec#kind()} like the engines' tables ({@code LayerCompilers.BY_KIND},
 * {@code Emitters.BY_KIND}); a test checks that every kind has one. Each writes its layer as ONNX opset
 * {@value OnnxExport#OPSET} operators on NCHW tensors (PyTorch's layout, whatever layout the network trained in),
 * with the trained parameters of the DL4J graph as initializers: convolution with PyTorch's explicit padding (and
 * {@code same} as DL4J pads it: the odd pixel at the bottom and right), batch norm in evaluation mode (running
 * statistics), GELU exact through {@code Erf}, flatten in channel-major order, dropout as identity.
 */
final class OnnxEmitters {
    private OnnxEmitters() {}

    /** What an entry writes: {@code node} reading {@code inputs} (ONNX value names) of shapes {@code shapes}. */
    interface OnnxEmitter {
        /** Returns the name of the value the layer outputs. */
        String emit(OnnxGraph g, LayerNode node, List<String> inputs, List<int[]> shapes, ComputationGraph params);
    }

    static final Map<String, OnnxEmitter> BY_KIND = byKind();

    private static Map<String, OnnxEmitter> byKind() {
        Map<String, OnnxEmitter> m = new LinkedHashMap<>();
        m.put("conv", OnnxEmitters::conv);
        m.put("batchnorm", OnnxEmitters::batchNorm);
        for (String a : Activation.NAMES) {
            m.put(a, (g, node, in, shapes, params) -> {
                Activation s = (Activation) node.layer();
                return activation(g, node.name(), s.kind(), s.alpha(), in.get(0));
            });
        }
        m.put("maxpool", OnnxEmitters::pool);
        m.put("avgpool", OnnxEmitters::pool);
        m.put("global_avgpool", OnnxEmitters::globalPool);
        m.put("global_maxpool", OnnxEmitters::globalPool);
        m.put("flatten", (g, node, in, shapes, params) -> shapes.get(0).length == 1
                ? g.node("Identity", node.name(), in)
                : g.node("Flatten", node.name(), in, integer("axis", 1)));
        m.put("dense", OnnxEmitters::dense);
        m.put("dropout", (g, node, in, shapes, params) -> g.node("Identity", node.name(), in));
        m.put("scale", (g, node, in, shapes, params) -> g.node("Mul", node.name(), List.of(in.get(0),
                g.weight(node.name() + ".factor", new float[] {(float) ((dev.runner.spec.layers.Scale) node.layer()).factor()}))));
        m.put("add", (g, node, in, shapes, params) -> g.node("Sum", node.name(), in));
        m.put("concat", (g, node, in, shapes, params) -> g.node("Concat", node.name(), in, integer("axis", 1)));
        return Map.copyOf(m);
    }

    private static String conv(OnnxGraph g, LayerNode node, List<String> in, List<int[]> shapes,
                               ComputationGraph params) {
        Conv c = (Conv) node.layer();
        Layer layer = layer(params, node);
        String w = g.weight(node.name() + ".weight", layer.getParam("W"));     // [out, in, kh, kw]
        List<String> inputs = c.bias() ? List.of(in.get(0), w, g.weight(node.name() + ".bias",
                layer.getParam("b").reshape(c.filters()))) : List.of(in.get(0), w);
        int[] x = shapes.get(0);
        String out = g.node("Conv", c.activation() == null ? node.name() : node.name() + ".conv", inputs,
                ints("kernel_shape", c.kernel()[0], c.kernel()[1]),
                ints("strides", c.stride()[0], c.stride()[1]),
                ints("dilations", c.dilation()[0], c.dilation()[1]),
                ints("pads", pads(x, c.kernel(), c.stride(), c.padding(), c.dilation())));
        return c.activation() == null ? out : activation(g, node.name(), c.activation(), 0.01, out);
    }

    /**
     * ONNX's {@code [top, left, bottom, right]}: PyTorch's explicit padding on both sides, or for {@code same}
     * (padding null) what DL4J's Same mode pads, {@code total = (ceil(in / stride) - 1) * stride + dilated kernel
     * - in}, the smaller half on the top and left.
     */
    static long[] pads(int[] x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        long[] p = new long[4];
        for (int d = 0; d < 2; d++) {
            if (padding != null) {
                p[d] = padding[d];
                p[d + 2] = padding[d];
            } else {
                int in = x[d + 1];
                int out = (in + stride[d] - 1) / stride[d];
                int eff = (kernel[d] - 1) * dilation[d] + 1;
                int total = Math.max(0, (out - 1) * stride[d] + eff - in);
                p[d] = total / 2;
                p[d + 2] = total - total / 2;
            }
        }
        return p;
    }

    private static String batchNorm(OnnxGraph g, LayerNode node, List<String> in, List<int[]> shapes,
                                    ComputationGraph params) {
        BatchNorm bn = (BatchNorm) node.layer();
        Layer layer = layer(params, node);
        long c = shapes.get(0)[0];
        INDArray var;
        Map<String, INDArray> table = layer.paramTable();
        if (table.containsKey("var")) {
            var = table.get("var");
        } else {
            // DL4J's log10 standard deviation, sqrt(var + eps): back to the variance ONNX adds eps to (in double)
            INDArray log = table.get("log10stdev").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            INDArray std = Transforms.pow(Nd4j.valueArrayOf(log.shape(), 10.0, log.dataType()), log, true);
            var = std.mul(std).subi(bn.eps());
        }
        return g.node("BatchNormalization", node.name(), List.of(in.get(0),
                        g.weight(node.name() + ".weight", table.get("gamma").reshape(c)),
                        g.weight(node.name() + ".bias", table.get("beta").reshape(c)),
                        g.weight(node.name() + ".running_mean", table.get("mean").reshape(c)),
                        g.weight(node.name() + ".running_var", var.reshape(c))),
                real("epsilon", (float) bn.eps()));
    }

    private static String pool(OnnxGraph g, LayerNode node, List<String> in, List<int[]> shapes,
                               ComputationGraph params) {
        Pool p = (Pool) node.layer();
        long[] pads = pads(shapes.get(0), p.kernel(), p.stride(), p.padding(), new int[] {1, 1});
        if (p.op().equals("max")) {
            return g.node("MaxPool", node.name(), in, ints("kernel_shape", p.kernel()[0], p.kernel()[1]),
                    ints("strides", p.stride()[0], p.stride()[1]), ints("pads", pads));
        }
        return g.node("AveragePool", node.name(), in, ints("kernel_shape", p.kernel()[0], p.kernel()[1]),
                ints("strides", p.stride()[0], p.stride()[1]), ints("pads", pads),
                integer("count_include_pad", 1));
    }

    private static String globalPool(OnnxGraph g, LayerNode node, List<String> in, List<int[]> shapes,
                                     ComputationGraph params) {
        GlobalPool p = (GlobalPool) node.layer();
        String pooled = g.node(p.op().equals("max") ? "GlobalMaxPool" : "GlobalAveragePool", node.name() + ".pool",
                in);
        return g.node("Flatten", node.name(), List.of(pooled), integer("axis", 1));
    }

    private static String dense(OnnxGraph g, LayerNode node, List<String> in, List<int[]> shapes,
                                ComputationGraph params) {
        Dense d = (Dense) node.layer();
        Layer layer = layer(params, node);
        String w = g.weight(node.name() + ".weight", layer.getParam("W"));     // [in, out]: x W + b
        List<String> inputs = d.bias() ? List.of(in.get(0), w, g.weight(node.name() + ".bias",
                layer.getParam("b").reshape(d.units()))) : List.of(in.get(0), w);
        String out = g.node("Gemm", d.activation() == null ? node.name() : node.name() + ".gemm", inputs);
        return d.activation() == null ? out : activation(g, node.name(), d.activation(), 0.01, out);
    }

    /** An element-wise activation; GELU exact as {@code x * (1 + erf(x / sqrt 2)) / 2}. */
    static String activation(OnnxGraph g, String name, String kind, double alpha, String x) {
        return switch (kind) {
            case "relu" -> g.node("Relu", name, List.of(x));
            case "leaky_relu" -> g.node("LeakyRelu", name, List.of(x), real("alpha", (float) alpha));
            case "tanh" -> g.node("Tanh", name, List.of(x));
            case "sigmoid" -> g.node("Sigmoid", name, List.of(x));
            case "gelu" -> {
                String scaled = g.node("Div", name + ".div", List.of(x, g.weight(name + ".sqrt2",
                        new float[] {(float) Math.sqrt(2)})));
                String erf = g.node("Erf", name + ".erf", List.of(scaled));
                String plus = g.node("Add", name + ".add", List.of(erf, g.weight(name + ".one", new float[] {1f})));
                String times = g.node("Mul", name + ".mul", List.of(x, plus));
                yield g.node("Mul", name, List.of(times, g.weight(name + ".half", new float[] {0.5f})));
            }
            case "relu6" -> g.node("Clip", name, List.of(x, g.weight(name + ".min", new float[] {0f}),
                    g.weight(name + ".max", new float[] {6f})));
            case "hardswish" -> {   // HardSwish is opset 14: x * HardSigmoid(x; 1/6, 1/2)
                String hs = g.node("HardSigmoid", name + ".hardsigmoid", List.of(x), real("alpha", 1f / 6),
                        real("beta", 0.5f));
                yield g.node("Mul", name, List.of(x, hs));
            }
            case "silu" -> g.node("Mul", name, List.of(x, g.node("Sigmoid", name + ".sigmoid", List.of(x))));
            default -> throw new IllegalArgumentException("no ONNX form of activation " + kind);
        };
    }

    private static Layer layer(ComputationGraph params, LayerNode node) {
        Layer l = params.getLayer(node.name());
        if (l == null) {
            throw new IllegalStateException("the saved graph has no layer " + node.name());
        }
        return l;
    }
}
