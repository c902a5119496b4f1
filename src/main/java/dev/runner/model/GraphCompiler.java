package dev.runner.model;

import dev.runner.spec.layers.ShapeException;
import dev.runner.spec.layers.LayerKinds;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.Shapes;
import dev.runner.spec.lang.SpecException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Compiles a {@link ModelSpec} into a DL4J {@link ComputationGraph} with PyTorch's semantics (each layer kind by
 * its entry in {@link LayerCompilers}), initialises it as each layer's {@code init} says ({@link Initialisation}), and places it on an engine
 * ({@link Placement}). Shapes are computed here, in PyTorch's (C, H, W) order, and checked node by node so a
 * shape that cannot work is reported at the layer that declared it.
 */
final class GraphCompiler implements ModelCompiler {
    private static final String INPUT = "input";

    @Override
    public Network compile(ModelSpec spec, CompileOptions options) {
        Backend.init();
        CNN2DFormat fmt = CNN2DFormat.valueOf(options.layout());
        LayerNode first = spec.nodes().isEmpty() ? null : spec.nodes().get(0);
        if (first == null) {
            throw new SpecException(null, "model.layers", "the model has no layers");
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
                // reduction sum: DL4J's updater divides the summed gradient by the batch size only in minibatch mode
                .miniBatch(!spec.lossSum())
                .dataType(DataType.FLOAT)
                .updater(options.updater())
                .weightInit(WeightInit.UNIFORM) // replaced by Initialisation once the graph is built
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
            if (!LayerKinds.byName(node.layer().kind()).merges() && inputs.size() != 1) {
                throw err(node, node.layer().kind() + " takes one input, got " + inputs.size());
            }
            int[] out; // PyTorch's shape arithmetic, the same the spec stage validated the file with
            try {
                out = node.layer().output(inShapes, inputs);
            } catch (ShapeException e) {
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
            ComputationGraphConfiguration conf = gb.build();
            ParamRules.apply(conf, spec, options.updater(), options.weightDecay());
            graph = new EngineGraph(conf);
            graph.init();
        } catch (SpecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SpecException(null, "model", "cannot build the network: " + e.getMessage());
        }
        build.inits.forEach((name, t) -> Initialisation.apply(graph.getLayer(name), name, t, options.seed()));
        for (LayerNode n : spec.nodes())
            if (n.layer() instanceof BatchNorm bn)
                Initialisation.batchNorm(graph.getLayer(n.name()), bn.weight(), bn.bias());
        return GraphNetwork.create(graph, spec, options, rows, build.macs);
    }

    /** A summary row before parameter counting (the counts are read from the built graph). */
    record Row(String name, String type, int[] shape) {}

    static String shapeText(int[] s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : "x").append(s[i]);
        return sb.toString();
    }

    private static SpecException err(LayerNode node, String problem) {
        return LayerCompilers.err(node, problem);
    }
}
