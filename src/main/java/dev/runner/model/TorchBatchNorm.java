package dev.runner.model;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * DL4J's batch normalisation with torch's {@code weight_decay} on gamma and beta. Stock DL4J never regularises
 * them ({@code getRegularizationByParam} returns null); torch's optimisers decay every parameter. The updater
 * applies this L2 exactly as for conv/dense weights: {@code wd * p} added to the batch-mean gradient before the
 * updater. Being part of the configuration, it survives {@code setListeners} and model serialisation (a bean:
 * no-arg constructor and accessors for Jackson).
 *
 * <p>Gamma and beta may also have updaters and decays of their own ({@code trainable:}, see {@link ParamRules});
 * stock DL4J gives both the layer's one updater.
 */
public class TorchBatchNorm extends BatchNormalization {
    private double torchWeightDecay;
    private IUpdater gammaUpdater;
    private IUpdater betaUpdater;
    private List<Regularization> gammaRegularization;
    private List<Regularization> betaRegularization;

    public IUpdater getGammaUpdater() { return gammaUpdater; }
    public void setGammaUpdater(IUpdater u) { gammaUpdater = u; }
    public IUpdater getBetaUpdater() { return betaUpdater; }
    public void setBetaUpdater(IUpdater u) { betaUpdater = u; }
    public List<Regularization> getGammaRegularization() { return gammaRegularization; }
    public void setGammaRegularization(List<Regularization> r) { gammaRegularization = r; }
    public List<Regularization> getBetaRegularization() { return betaRegularization; }
    public void setBetaRegularization(List<Regularization> r) { betaRegularization = r; }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (gammaUpdater != null && BatchNormalizationParamInitializer.GAMMA.equals(paramName)) return gammaUpdater;
        if (betaUpdater != null && BatchNormalizationParamInitializer.BETA.equals(paramName)) return betaUpdater;
        return super.getUpdaterByParam(paramName);
    }

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
        if (gammaRegularization != null && BatchNormalizationParamInitializer.GAMMA.equals(paramName)) {
            return gammaRegularization;
        }
        if (betaRegularization != null && BatchNormalizationParamInitializer.BETA.equals(paramName)) {
            return betaRegularization;
        }
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
        return super.equals(o) && o instanceof TorchBatchNorm t && t.torchWeightDecay == torchWeightDecay
                && java.util.Objects.equals(t.gammaUpdater, gammaUpdater)
                && java.util.Objects.equals(t.betaUpdater, betaUpdater)
                && java.util.Objects.equals(t.gammaRegularization, gammaRegularization)
                && java.util.Objects.equals(t.betaRegularization, betaRegularization);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + java.util.Objects.hash(torchWeightDecay, gammaUpdater, betaUpdater,
                gammaRegularization, betaRegularization);
    }
}
