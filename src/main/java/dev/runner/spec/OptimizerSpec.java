package dev.runner.spec;

/**
 * The {@code optimizer:} section, with PyTorch's semantics.
 *
 * @param type            {@code sgd}, {@code adam} or {@code adamw}
 * @param lr              the base learning rate (NaN while {@code lrFromRangeTest} is unresolved)
 * @param lrFromRangeTest name of an LR-range-test experiment whose suggestion gives {@code lr}, or null
 * @param momentum        sgd only
 * @param dampening       sgd only
 * @param nesterov        sgd only
 * @param weightDecay     torch's weight_decay: wd*p added to every parameter's gradient (adamw: decoupled)
 * @param beta1           adam/adamw
 * @param beta2           adam/adamw
 * @param eps             adam/adamw
 */
public record OptimizerSpec(
        String type,
        double lr,
        String lrFromRangeTest,
        double momentum,
        double dampening,
        boolean nesterov,
        double weightDecay,
        double beta1,
        double beta2,
        double eps) {

    public OptimizerSpec withLr(double newLr) {
        return new OptimizerSpec(type, newLr, lrFromRangeTest, momentum, dampening, nesterov, weightDecay,
                beta1, beta2, eps);
    }
}
