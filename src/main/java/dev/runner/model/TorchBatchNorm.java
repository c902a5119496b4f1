package dev.runner.model;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * DL4J's batch normalisation with torch's {@code weight_decay} on gamma and beta. Stock DL4J never regularises
 * them ({@code getRegularizationByParam} returns null); torch's optimisers decay every parameter. The updater
 * applies this L2 exactly as for conv/dense weights: {@code wd * p} added to the batch-mean gradient before the
 * updater. Being part of the configuration, it survives {@code setListeners} and model serialisation (a bean:
 * no-arg constructor and accessors for Jackson).
 */
public class TorchBatchNorm extends BatchNormalization {
    private double torchWeightDecay;

    public TorchBatchNorm() {
        super();
    }

    public double getTorchWeightDecay() {
        return torchWeightDecay;
    }

    public void setTorchWeightDecay(double torchWeightDecay) {
        this.torchWeightDecay = torchWeightDecay;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (torchWeightDecay > 0 && (BatchNormalizationParamInitializer.GAMMA.equals(paramName)
                || BatchNormalizationParamInitializer.BETA.equals(paramName))) {
            return List.of(new TorchWeightDecay(torchWeightDecay));
        }
        return null;
    }

    @Override
    public TorchBatchNorm clone() {
        return (TorchBatchNorm) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && o instanceof TorchBatchNorm t && t.torchWeightDecay == torchWeightDecay;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(torchWeightDecay);
    }
}
