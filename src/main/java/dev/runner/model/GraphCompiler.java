package dev.runner.model;

import dev.runner.spec.LayerNode;
import dev.runner.spec.LayerSpec;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.Shapes;
import dev.runner.spec.SpecException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Compiles a {@link ModelSpec} into a DL4J {@link ComputationGraph} with PyTorch's semantics (each layer kind by
 * its entry in {@link LayerCompilers}) and PyTorch's default initialisation, and places it on an engine
 * ({@link Placement}). Shapes are computed here, in PyTorch's (C, H, W) order, and checked node by node so a
 * shape that cannot work is reported at the layer that declared it.
 */
final class GraphCompiler implements ModelCompiler {
    /** Weight initialisations accepted by {@code init:} besides {@code pytorch}. */
    static final Map<String, WeightInit> INITS = Map.of(
            "xavier", WeightInit.XAVIER_UNIFORM,
            "xavier_uniform", WeightInit.XAVIER_UNIFORM,
            "xavier_normal", WeightInit.XAVIER,
            "kaiming_uniform", WeightInit.RELU_UNIFORM,
            "kaiming_normal", WeightInit.RELU,
            "he_uniform", WeightInit.RELU_UNIFORM,
            "he_normal", WeightInit.RELU,
            "lecun_normal", WeightInit.LECUN_NORMAL,
            "lecun_uniform", WeightInit.LECUN_UNIFORM);

    private static final String INPUT = "input";

    @Override
    public Network compile(ModelSpec spec, CompileOptions options) {
        Backend.init();
        CNN2DFormat fmt = CNN2DFormat.valueOf(options.layout());
        String init = spec.init() == null ? "pytorch" : spec.init().toLowerCase(Locale.ROOT);
        LayerNode first = spec.nodes().isEmpty() ? null : spec.nodes().get(0);
        if (first == null) {
            throw new SpecException(null, "model.layers", "the model has no layers");
        }
        if (!init.equals("pytorch") && !INITS.containsKey(init)) {
            throw new SpecException(null, "model.init", "unknown init '" + spec.init() + "'; expected pytorch or one of "
                    + new java.util.TreeSet<>(INITS.keySet()));
        }
        String loss = spec.loss() == null ? "cross_entropy" : spec.loss();
        if (!loss.equals("cross_entropy")) {
            throw new SpecException(null, "model.loss", "unknown loss '" + loss + "'; expected cross_entropy");
        }
        int[] in = spec.input();
        if (in == null || in.length != 3 || in[0] <= 0 || in[1] <= 0 || in[2] <= 0) {
            throw new SpecException(null, "model.input", "input must be [channels, height, width], got "
                    + Arrays.toString(in));
        }
        String inputName = INPUT;
        Set<String> names = new HashSet<>();
        for (LayerNode n : spec.nodes()) names.add(n.name());
        while (names.contains(inputName)) inputName = "_" + inputName;

        String outName = spec.output() == null ? spec.nodes().get(spec.nodes().size() - 1).name() : spec.output();
        if (!names.contains(outName)) {
            throw new SpecException(null, "model.output", "no layer named '" + outName + "'");
        }
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder()
                .seed(options.seed())
                .dataType(DataType.FLOAT)
                .updater(options.updater())
                .weightInit(init.equals("pytorch") ? WeightInit.UNIFORM : INITS.get(init))
                .biasInit(0.0);
        ComputationGraphConfiguration.GraphBuilder gb = nb.graphBuilder()
                .addInputs(inputName)
                .setInputTypes(InputType.convolutional(in[1], in[2], in[0], fmt));

        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(inputName, in.clone());
        List<Row> rows = new ArrayList<>();
        LayerCompilers.Build build = new LayerCompilers.Build(gb, fmt, options.weightDecay(), options.seed());

        for (LayerNode node : spec.nodes()) {
            List<String> inputs = node.inputs().isEmpty() ? List.of(inputName) : node.inputs();
            List<int[]> inShapes = new ArrayList<>();
            for (String i : inputs) {
                int[] s = shapes.get(i);
                if (s == null) {
                    throw err(node, "input '" + i + "' is not a layer declared before it");
                }
                inShapes.add(s);
            }
            if (!(node.layer() instanceof LayerSpec.Add) && !(node.layer() instanceof LayerSpec.Concat)
                    && inputs.size() != 1) {
                throw err(node, node.layer().kind() + " takes one input, got " + inputs.size());
            }
            int[] out; // PyTorch's shape arithmetic, the same the spec stage validated the file with
            try {
                out = Shapes.output(node.layer(), inShapes, inputs);
            } catch (Shapes.ShapeException e) {
                throw err(node, e.getMessage());
            }
            LayerCompilers.of(node).add(build, node, inShapes.get(0), out, inputs.toArray(new String[0]));
            shapes.put(node.name(), out);
            rows.add(new Row(node.name(), node.layer().kind(), out));
        }

        LayerNode outNode = spec.nodes().stream().filter(n -> n.name().equals(outName)).findFirst().orElseThrow();
        int[] s = shapes.get(outName);
        if (s.length != 1) {
            throw err(outNode, "the network's output must be flat for cross_entropy, got a " + shapeText(s)
                    + " feature map: end with a global pool or flatten and a dense layer");
        }
        String lossName = "loss";
        while (names.contains(lossName)) lossName = "_" + lossName;
        gb.addLayer(lossName, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .activation(Activation.SOFTMAX).build(), outName);
        gb.setOutputs(lossName);
        EngineGraph graph;
        try {
            graph = new EngineGraph(gb.build());
            graph.init();
        } catch (SpecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SpecException(null, "model", "cannot build the network: " + e.getMessage());
        }
        if (init.equals("pytorch")) pytorchInit(graph, build.fanIn, options.seed());
        return GraphNetwork.create(graph, spec, options, rows, build.macs);
    }

    /** A summary row before parameter counting (the counts are read from the built graph). */
    record Row(String name, String type, int[] shape) {}

    /**
     * PyTorch's default initialisation of nn.Conv2d / nn.Linear: weights kaiming_uniform(a=sqrt 5), which is
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Each layer draws from
     * its own stream seeded by (seed, layer name), so adding a layer does not change the others' weights.
     */
    static void pytorchInit(ComputationGraph graph, Map<String, Long> fanIn, long seed) {
        for (Map.Entry<String, Long> e : fanIn.entrySet()) {
            org.deeplearning4j.nn.api.Layer layer = graph.getLayer(e.getKey());
            double bound = 1.0 / Math.sqrt(e.getValue());
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e.getKey().hashCode());
            for (String key : new String[] {"W", "b"}) {
                INDArray p = layer.paramTable().get(key);
                if (p == null) continue;
                float[] v = new float[(int) p.length()];
                for (int i = 0; i < v.length; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
                p.assign(Nd4j.createFromArray(v).reshape(p.ordering(), p.shape()));
            }
        }
    }

    static String shapeText(int[] s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : "x").append(s[i]);
        return sb.toString();
    }

    private static SpecException err(LayerNode node, String problem) {
        return LayerCompilers.err(node, problem);
    }
}
