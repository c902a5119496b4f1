package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;
import dev.runner.spec.lang.Fields;

/**
 * Batch normalisation (nn.BatchNorm1d/2d). momentum with PyTorch's meaning (running = (1-m)*running + m*batch);
 * weight and bias: the initial values of the scale (gamma) and shift (beta), PyTorch's 1 and 0 by default.
 */
public record BatchNorm(double eps, double momentum, double weight, double bias) implements LayerSpec {
    /** Batch norm's {@code init:}. */
    public static final Section INIT = section("batchnorm_init", "initial scale and shift of a batch norm",
            key("weight", num(Range.ANY), 1.0, "initial scale (gamma)"),
            key("bias", num(Range.ANY), 0.0, "initial shift (beta)"));

    public static final LayerKind KIND = new LayerKind(
            Vocabulary.kind("batchnorm", null, "batch normalisation (nn.BatchNorm1d/2d): same shape",
                    key("eps", num(Range.POSITIVE), 1e-5, "added to the variance"),
                    key("momentum", num(Range.UNIT), 0.1, "PyTorch's meaning: running = (1 - momentum) * running + momentum * batch"),
                    optional("init", new Ref("batchnorm_init"), "`{weight: 1, bias: 0}`", "initial scale and shift")),
            "bn", false,
            (f, modelInit) -> {
                double eps = f.getDouble("eps"), momentum = f.getDouble("momentum");
                Fields i = Fields.of(f.node("init"), f.at("init"), f.map.pos(), INIT);
                return new BatchNorm(eps, momentum, i.getDouble("weight"), i.getDouble("bias"));
            });

    public BatchNorm(double eps, double momentum) {
        this(eps, momentum, 1, 0);
    }

    /** Every argument at its default (an automatic shortcut's batch norm). */
    public static BatchNorm defaults() {
        Section a = KIND.schema().args();
        return new BatchNorm((Double) a.key("eps").dflt(), (Double) a.key("momentum").dflt(),
                (Double) INIT.key("weight").dflt(), (Double) INIT.key("bias").dflt());
    }

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        return in.get(0);
    }

    @Override
    public long params(int[] in) {
        return 2L * in[0];
    }

    @Override
    public List<String> paramNames() {
        return List.of("weight", "bias");
    }

    @Override
    public long paramSize(String name, int[] in) {
        return in[0];
    }
}
