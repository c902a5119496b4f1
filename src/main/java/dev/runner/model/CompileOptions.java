package dev.runner.model;

import java.util.Objects;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * How to compile a {@link dev.runner.spec.ModelSpec}.
 *
 * @param seed        seeds weight initialisation and dropout; same seed, same spec, same engine: same network
 * @param updater     the optimiser (a torch-SGD updater, Adam, ...), applied to every trainable parameter
 * @param weightDecay torch's coupled {@code weight_decay}: {@code wd * p} is added to the batch-mean gradient of
 *                    every trainable parameter (conv/dense weights and biases, batch-norm gamma and beta) before
 *                    the updater; 0 = none
 * @param layout      "NCHW" or "NHWC": the layout of the features the network is fed with
 * @param engine      the engine asked for: {@code auto}, {@code onednn} or {@code dl4j} (see {@link Placement})
 * @param precision   the precision asked for: {@code fp32}, {@code bf16} or {@code auto} (see {@link Precision})
 * @param cpuIsa      oneDNN's instruction set the precision is decided for ({@code avx2}, {@code avx512_core_bf16}...);
 *                    null: this CPU's ({@code CpuIsa.effective()}). Tests name another CPU's.
 */
public record CompileOptions(long seed, IUpdater updater, double weightDecay, String layout, String engine,
                             String precision, String cpuIsa) {
    /** The layout measured fastest on this backend (see docs/speed.md). */
    public static final String DEFAULT_LAYOUT = "NHWC";

    public CompileOptions {
        Objects.requireNonNull(updater, "updater");
        Objects.requireNonNull(layout, "layout");
        if (!layout.equals("NCHW") && !layout.equals("NHWC")) {
            throw new IllegalArgumentException("layout must be NCHW or NHWC, got " + layout);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be a finite number >= 0, got " + weightDecay);
        }
        if (!Placement.ENGINES.contains(engine)) {
            throw new IllegalArgumentException("engine must be one of " + Placement.ENGINES + ", got " + engine);
        }
        if (!Precision.VALUES.contains(precision)) {
            throw new IllegalArgumentException("precision must be one of " + Precision.VALUES + ", got " + precision);
        }
    }

    /** For this CPU. */
    public CompileOptions(long seed, IUpdater updater, double weightDecay, String layout, String engine,
                          String precision) {
        this(seed, updater, weightDecay, layout, engine, precision, null);
    }

    /** In fp32. */
    public CompileOptions(long seed, IUpdater updater, double weightDecay, String layout, String engine) {
        this(seed, updater, weightDecay, layout, engine, Precision.FP32);
    }

    /** The engine chosen automatically. */
    public CompileOptions(long seed, IUpdater updater, double weightDecay, String layout) {
        this(seed, updater, weightDecay, layout, Placement.AUTO);
    }

    /** No weight decay, the default layout, the engine chosen automatically. */
    public static CompileOptions defaults(long seed, IUpdater updater) {
        return new CompileOptions(seed, updater, 0.0, DEFAULT_LAYOUT, Placement.AUTO);
    }

    public CompileOptions withEngine(String engine) {
        return new CompileOptions(seed, updater, weightDecay, layout, engine, precision, cpuIsa);
    }

    public CompileOptions withPrecision(String precision) {
        return new CompileOptions(seed, updater, weightDecay, layout, engine, precision, cpuIsa);
    }

    /** Decided for a CPU whose oneDNN instruction set is {@code isa} (null: this one). */
    public CompileOptions withCpuIsa(String isa) {
        return new CompileOptions(seed, updater, weightDecay, layout, engine, precision, isa);
    }
}
