package dev.runner.model;

import dev.runner.spec.LayerNode;
import dev.runner.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A layer's {@code trainable:}, {@code lr_scale:} and {@code weight_decay_scale:} (PyTorch's parameter groups) in
 * its DL4J configuration, before the graph is built, so that both engines (whose
 * updates are DL4J's updater's) and a restored model.zip keep it. A parameter that trains for the first N epochs
 * gets its own updater whose learning rate is the optimizer's until epoch N and 0 from then on
 * ({@link UntilEpoch}), and its weight decay the same cut; a frozen one (N = 0) a learning rate of 0 and no decay.
 * With a learning rate of 0 every optimizer's step is 0 whatever its state (SGD's momentum, Adam's moments), so
 * the parameter keeps its value exactly, as PyTorch's {@code requires_grad = False} (which skips it). A scaled
 * parameter's updater has the learning rate times {@code lr_scale} (the schedule's shape kept) and its coupled
 * decay {@code weight_decay x weight_decay_scale}. (AdamW's decoupled decay, {@link
 * dev.runner.train.DecoupledWeightDecay}, follows the learning rate, so a frozen parameter is not decayed, but it
 * does not see {@code weight_decay_scale}.)
 */
final class ParamRules {
    private ParamRules() {}

    /** Applies every node's {@code trainable} to {@code conf}'s layers; {@code updater} is the optimizer's. */
    static void apply(ComputationGraphConfiguration conf, ModelSpec spec, IUpdater updater, double weightDecay) {
        for (LayerNode n : spec.nodes()) {
            if (!n.hasParamRules()) continue;
            GraphVertex v = conf.getVertices().get(n.name());
            if (!(v instanceof LayerVertex lv)) {
                throw new IllegalStateException(n.name() + " is not a layer of the compiled graph");
            }
            Layer l = lv.getLayerConf().getLayer();
            java.util.Set<String> params = new java.util.LinkedHashSet<>(n.trainable().keySet());
            params.addAll(n.lrScale().keySet());
            params.addAll(n.weightDecayScale().keySet());
            for (String p : params) {
                int epochs = n.trainable().getOrDefault(p, Integer.MAX_VALUE);
                IUpdater u = until(updater, epochs, n.lrScale().getOrDefault(p, 1.0));
                List<Regularization> wd = decay(weightDecay * n.weightDecayScale().getOrDefault(p, 1.0), epochs);
                boolean bias = p.equals("bias");
                if (l instanceof TorchBatchNorm bn) {
                    if (bias) {
                        bn.setBetaUpdater(u);
                        bn.setBetaRegularization(wd);
                    } else {
                        bn.setGammaUpdater(u);
                        bn.setGammaRegularization(wd);
                    }
                } else if (l instanceof BaseLayer b) {
                    if (bias) {
                        b.setBiasUpdater(u);
                        b.setRegularizationBias(wd);
                    } else {
                        b.setIUpdater(u);
                        b.setRegularization(wd);
                    }
                } else {
                    throw new IllegalStateException(n.name() + " has no parameters to freeze");
                }
            }
        }
    }

    /** {@code updater} with its learning rate times {@code scale}, cut to 0 from epoch {@code epochs} on. */
    static IUpdater until(IUpdater updater, int epochs, double scale) {
        IUpdater u = updater.clone();
        ISchedule s = scheduleOf(u);
        if (s == null) s = new dev.runner.train.Schedules.Constant(u.getLearningRate(0, 0));
        u.setLrAndSchedule(u.getLearningRate(0, 0) * scale, new UntilEpoch(s, epochs, scale));
        return u;
    }

    private static ISchedule scheduleOf(IUpdater u) {
        if (u instanceof dev.runner.train.TorchSgd t) return t.getLearningRateSchedule();
        if (u instanceof dev.runner.train.TorchAdam t) return t.getLearningRateSchedule();
        if (u instanceof org.nd4j.linalg.learning.config.Sgd t) return t.getLearningRateSchedule();
        return null;
    }

    /** Torch's coupled weight decay {@code wd} until epoch {@code epochs}; nothing when wd is 0 or it never trains. */
    static List<Regularization> decay(double wd, int epochs) {
        List<Regularization> out = new ArrayList<>();
        if (wd > 0 && epochs > 0) {
            out.add(new TorchWeightDecay(new UntilEpoch(new dev.runner.train.Schedules.Constant(wd), epochs, 1)));
        }
        return out;
    }

    /**
     * {@code scale x base} for epochs 0 .. epochs - 1 (0-based, the network's epoch count), 0 from then on. A bean
     * for DL4J's JSON configuration.
     */
    public record UntilEpoch(ISchedule base, int epochs, double scale) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            return epoch < epochs ? scale * base.valueAt(iteration, epoch) : 0.0;
        }

        @Override
        public ISchedule clone() {
            return this;
        }
    }
}
