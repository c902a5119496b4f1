package dev.runner.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import dev.runner.model.Network;

/** A test-only Network: a tiny dense classifier (with dropout, so the random state matters). */
final class TinyNet implements Network {
    static final int FEATURES = 8;
    static final int CLASSES = 3;

    private final ComputationGraph graph;

    TinyNet(ComputationGraph graph) {
        this.graph = graph;
    }

    static TinyNet create(long seed, IUpdater updater, double l2) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(updater).l2(l2).l2Bias(l2).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(FEATURES).nOut(16).activation(Activation.RELU)
                        .dropOut(0.7).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return new TinyNet(g);
    }

    @Override
    public String layout() {
        return "NCHW";
    }

    @Override
    public void fit(DataSet batch) {
        graph.fit(batch);
    }

    @Override
    public dev.runner.model.Placement placement() {
        return new dev.runner.model.Placement("dl4j", "cpu", "a test network");
    }

    @Override
    public double score() {
        return graph.score() - graph.calcRegularizationScore(true);
    }

    @Override
    public INDArray output(INDArray features) {
        return graph.outputSingle(false, features);
    }

    @Override
    public Map<String, INDArray> activations(List<String> layers, INDArray features) {
        Map<String, INDArray> all = graph.feedForward(features, false);
        Map<String, INDArray> r = new HashMap<>();
        for (String l : layers) {
            r.put(l, all.get(l));
        }
        return r;
    }

    @Override
    public List<LayerRow> summary() {
        List<LayerRow> rows = new ArrayList<>();
        rows.add(new LayerRow("hidden", "Dense", new int[] {16}, FEATURES * 16 + 16));
        rows.add(new LayerRow("out", "Output", new int[] {CLASSES}, 16 * CLASSES + CLASSES));
        return rows;
    }

    @Override
    public long trainableParams() {
        return graph.numParams();
    }

    @Override
    public ComputationGraph graph() {
        return graph;
    }
}
