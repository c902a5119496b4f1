package dev.runner.train;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * AdamW's decoupled weight decay, as {@code torch.optim.AdamW}: {@code p *= 1 - lr*wd} for every trainable
 * parameter (weights, biases, batch-norm scale and shift) before the optimizer step, with the step's learning rate.
 * DL4J's updater never sees the parameters, so this runs in {@code onGradientCalculation}, which DL4J calls after
 * the gradient is computed and before the updater is applied. Parameters whose updater is {@link NoOp}
 * (batch-norm running statistics, frozen layers) are left alone.
 *
 * <p>Listeners are not serialised with a model: add it again to a restored network.
 */
public class DecoupledWeightDecay extends BaseTrainingListener {
    private final double weightDecay;

    public DecoupledWeightDecay(double weightDecay) {
        this.weightDecay = weightDecay;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public void onGradientCalculation(Model model) {
        Layer[] layers;
        int iteration;
        int epoch;
        if (model instanceof ComputationGraph g) {
            layers = g.getLayers();
            iteration = g.getIterationCount();
            epoch = g.getEpochCount();
        } else if (model instanceof MultiLayerNetwork n) {
            layers = n.getLayers();
            iteration = n.getIterationCount();
            epoch = n.getEpochCount();
        } else {
            throw new IllegalStateException("DecoupledWeightDecay supports ComputationGraph and MultiLayerNetwork, got "
                    + model.getClass().getName());
        }
        for (Layer layer : layers) {
            Map<String, INDArray> params = layer.paramTable(false);
            if (params == null) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                IUpdater u = layer.getConfig().getUpdaterByParam(e.getKey());
                if (u == null || u instanceof NoOp || !u.hasLearningRate()) {
                    continue;
                }
                double lr = u.getLearningRate(iteration, epoch);
                e.getValue().muli(1.0 - lr * weightDecay);
            }
        }
    }
}
