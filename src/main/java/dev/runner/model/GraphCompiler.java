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
 * Compiles a {@link ModelSpec} into a DL4J {@link ComputationGraph} with PyTorch's semantics: output sizes
 * (Truncate + explicit padding), parameter counts, batch-norm momentum, dropout probability, flatten order and
 * default initialisation. Shapes are computed here, in PyTorch's (C, H, W) order, and checked node by node so a
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
        Set<String> consumed = new HashSet<>();
        for (LayerNode n : spec.nodes()) consumed.addAll(n.inputs());

        double wd = options.weightDecay();
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder()
                .seed(options.seed())
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
        Map<String, Initialisation.Target> inits = new LinkedHashMap<>();
        double macs = 0; // multiply-accumulates per sample, forward
        String graphOutput = null;

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
            int[] x = inShapes.get(0);
            String[] ins = inputs.toArray(new String[0]);
            int[] out; // PyTorch's shape arithmetic, the same the spec stage validated the file with
            try {
                out = Shapes.output(node.layer(), inShapes, inputs);
            } catch (Shapes.ShapeException e) {
                throw err(node, e.getMessage());
            }
            boolean isOutput = node.name().equals(outName);
            if (node.layer() instanceof LayerSpec.Conv c) {
                ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(c.kernel(), c.stride())
                        .nIn(x[0]).nOut(c.filters())
                        .dilation(c.dilation())
                        .hasBias(c.bias())
                        .dataFormat(fmt)
                        .activation(activation(node, c.activation()));
                if (c.padding() == null) {
                    b.convolutionMode(ConvolutionMode.Same);
                } else {
                    b.convolutionMode(ConvolutionMode.Truncate).padding(c.padding());
                }
                TorchWeightDecay.apply(b, wd);
                gb.addLayer(node.name(), OneDnnConvolution.of(b), ins);
                long k = (long) c.kernel()[0] * c.kernel()[1];
                inits.put(node.name(), new Initialisation.Target(c.init(), x[0] * k, c.filters() * k));
                macs += (double) out[1] * out[2] * c.filters() * x[0] * c.kernel()[0] * c.kernel()[1];
            } else if (node.layer() instanceof LayerSpec.BatchNorm bn) {
                if (x.length != 3 && x.length != 1) throw err(node, "batchnorm needs a feature map or a vector");
                if (!(bn.momentum() >= 0 && bn.momentum() <= 1)) throw err(node, "momentum must be in [0, 1]");
                TorchBatchNorm b = new TorchBatchNorm();
                b.setNIn(x[0]);
                b.setNOut(x[0]);
                b.setDecay(1.0 - bn.momentum());
                b.setEps(bn.eps());
                b.setCnn2DFormat(fmt);
                b.setLayerName(node.name());
                b.setTorchWeightDecay(wd);
                gb.addLayer(node.name(), b, ins);
            } else if (node.layer() instanceof LayerSpec.Activation a) {
                gb.addLayer(node.name(), new LeanActivation(activation(node, a.kind(), a.alpha())), ins);
            } else if (node.layer() instanceof LayerSpec.Pool p) {
                SubsamplingLayer.Builder b = new SubsamplingLayer.Builder(
                        p.kind().equals("max") ? SubsamplingLayer.PoolingType.MAX : SubsamplingLayer.PoolingType.AVG,
                        p.kernel(), p.stride())
                        .dataFormat(fmt)
                        .avgPoolIncludePadInDivisor(true);
                if (p.padding() == null) {
                    b.convolutionMode(ConvolutionMode.Same);
                } else {
                    b.convolutionMode(ConvolutionMode.Truncate).padding(p.padding());
                }
                gb.addLayer(node.name(), b.build(), ins);
            } else if (node.layer() instanceof LayerSpec.GlobalPool g) {
                gb.addLayer(node.name(), new GlobalPoolingLayer.Builder(
                        g.kind().equals("max") ? PoolingType.MAX : PoolingType.AVG).build(), ins);
            } else if (node.layer() instanceof LayerSpec.Flatten f) {
                if (x.length == 1) {
                    gb.addLayer(node.name(), new ActivationLayer.Builder().activation(Activation.IDENTITY).build(),
                            ins);
                } else {
                    gb.addVertex(node.name(), new PreprocessorVertex(fmt == CNN2DFormat.NCHW
                            ? new CnnToFeedForwardPreProcessor(x[1], x[2], x[0], CNN2DFormat.NCHW)
                            : new ChwFlattenPreProcessor(x[1], x[2], x[0])), ins);
                }
            } else if (node.layer() instanceof LayerSpec.Dense d) {
                boolean head = isOutput && !consumed.contains(node.name()) && d.activation() == null;
                if (head) {
                    OutputLayer.Builder b = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .nIn(x[0]).nOut(d.units()).hasBias(d.bias()).activation(Activation.SOFTMAX);
                    TorchWeightDecay.apply(b, wd);
                    gb.addLayer(node.name(), LeanOutput.of(b), ins);
                    graphOutput = node.name();
                } else {
                    DenseLayer.Builder b = new DenseLayer.Builder().nIn(x[0]).nOut(d.units()).hasBias(d.bias())
                            .activation(activation(node, d.activation()));
                    TorchWeightDecay.apply(b, wd);
                    gb.addLayer(node.name(), LeanDense.of(b), ins);
                }
                inits.put(node.name(), new Initialisation.Target(d.init(), x[0], d.units()));
                macs += (double) x[0] * d.units();
            } else if (node.layer() instanceof LayerSpec.Dropout d) {
                if (!(d.p() >= 0 && d.p() < 1)) throw err(node, "dropout p must be in [0, 1), got " + d.p());
                Layer l = d.p() == 0 ? new ActivationLayer.Builder().activation(Activation.IDENTITY).build()
                        : new DropoutLayer.Builder().dropOut(new Dropout(1.0 - d.p())).build();
                gb.addLayer(node.name(), l, ins);
            } else if (node.layer() instanceof LayerSpec.Add a) {
                if (inputs.size() < 2) throw err(node, "add needs at least two inputs");
                gb.addVertex(node.name(), new ElementWiseVertex(ElementWiseVertex.Op.Add), ins);
            } else if (node.layer() instanceof LayerSpec.Concat cc) {
                if (inputs.size() < 2) throw err(node, "concat needs at least two inputs");
                gb.addVertex(node.name(), new MergeVertex(), ins);
            } else {
                throw err(node, "unsupported layer " + node.layer());
            }
            shapes.put(node.name(), out);
            rows.add(new Row(node.name(), node.layer().kind(), out));
        }

        LayerNode outNode = spec.nodes().stream().filter(n -> n.name().equals(outName)).findFirst().orElseThrow();
        if (graphOutput == null) {
            int[] s = shapes.get(outName);
            if (s.length != 1) {
                throw err(outNode, "the network's output must be flat for cross_entropy, got a " + shapeText(s)
                        + " feature map: end with a global pool or flatten and a dense layer");
            }
            String lossName = "loss";
            while (names.contains(lossName)) lossName = "_" + lossName;
            gb.addLayer(lossName, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .activation(Activation.SOFTMAX).build(), outName);
            graphOutput = lossName;
        }
        gb.setOutputs(graphOutput);
        ComputationGraph graph;
        try {
            ComputationGraphConfiguration conf = gb.build();
            graph = new LeanGraph(conf);
            Backend.withHelpers(options.helpers(), () -> graph.init());
        } catch (SpecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SpecException(null, "model", "cannot build the network: " + e.getMessage());
        }
        inits.forEach((name, t) -> Initialisation.apply(graph.getLayer(name), name, t, options.seed()));
        for (LayerNode n : spec.nodes())
            if (n.layer() instanceof LayerSpec.BatchNorm bn)
                Initialisation.batchNorm(graph.getLayer(n.name()), bn.weight(), bn.bias());
        return new GraphNetwork(graph, options.layout(), in, rows, macs, options.helpers() && Backend.helpersEnabled());
    }

    /** A summary row before parameter counting (the counts are read from the built graph). */
    record Row(String name, String type, int[] shape) {}

    private static IActivation activation(LayerNode node, String kind) {
        return kind == null ? Activation.IDENTITY.getActivationFunction() : activation(node, kind, 0.01);
    }

    static IActivation activation(LayerNode node, String kind, double alpha) {
        return switch (kind) {
            case "relu" -> Activation.RELU.getActivationFunction();
            case "leaky_relu" -> new ActivationLReLU(alpha);
            case "tanh" -> Activation.TANH.getActivationFunction();
            case "sigmoid" -> Activation.SIGMOID.getActivationFunction();
            // DL4J has no exact (erf) GELU; the tanh approximation is within 1e-3 of torch's default.
            case "gelu" -> new ActivationGELU(true);
            case "identity", "linear", "none" -> Activation.IDENTITY.getActivationFunction();
            case "softmax" -> Activation.SOFTMAX.getActivationFunction();
            default -> throw err(node, "unknown activation '" + kind + "'");
        };
    }

    static String shapeText(int[] s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : "x").append(s[i]);
        return sb.toString();
    }

    private static SpecException err(LayerNode node, String problem) {
        return new SpecException(node.pos(), node.path(), node.name() + ": " + problem);
    }
}
