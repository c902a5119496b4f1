package dev.runner.model;

import dev.runner.model.onednn.CpuIsa;
import dev.runner.spec.lang.SpecException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numeric precision a network trains and evaluates in, and why: decided here and nowhere else, after its
 * {@link Placement}.
 *
 * <p>{@code fp32}: everything in float32. {@code bf16} (mixed precision, as {@code torch.autocast} with bfloat16):
 * on the oneDNN engine, convolutions and inner products that do enough work a call ({@link #bf16For}), and the
 * pooling, activations and other layers after them, in bf16 with f32 accumulation; batch norm's statistics, the loss, the gradients handed to the updater and the parameters (the
 * master weights, what is saved) in f32. It needs a CPU whose oneDNN kernels have bf16 instructions (AVX512-BF16
 * or AMX): elsewhere oneDNN would emulate bf16, slower than f32, so asking for it is an error. {@code auto}: bf16
 * where it is fast (the oneDNN engine on such a CPU), else fp32. DL4J's engine (on the CPU and on CUDA) runs fp32
 * only: DL4J's half precision turns the whole network, parameters and updater state included, into 16-bit, which is
 * not mixed precision, so {@code bf16} there is an error naming the engine.
 *
 * @param value {@code fp32} or {@code bf16}: what runs
 * @param why   why, in a few words
 */
public record Precision(String value, String why) {
    public static final String FP32 = "fp32";
    public static final String BF16 = "bf16";
    public static final String AUTO = "auto";
    /** The values of the {@code precision} key. */
    public static final List<String> VALUES = List.of(FP32, BF16, AUTO);

    /**
     * The precision of a network placed on {@code placement}.
     *
     * @param requested fp32, bf16 or auto
     * @param isa       oneDNN's ISA on this CPU ({@link CpuIsa#effective()})
     * @throws SpecException naming the key when bf16 is asked for and cannot run: the engine or the CPU feature
     */
    static Precision decide(String requested, Placement placement, String isa) {
        boolean onednn = placement.engine().equals(Placement.ONEDNN);
        switch (requested) {
            case FP32:
                return new Precision(FP32, "precision fp32 asked for");
            case BF16:
                if (!onednn) {
                    throw new SpecException(null, "precision", "bf16 runs on the onednn engine only, and this "
                            + "network runs on " + placement + ": use precision fp32 or auto");
                }
                if (!CpuIsa.hasBf16(isa)) {
                    throw new SpecException(null, "precision", missing(isa) + " (precision auto runs fp32 here)");
                }
                return new Precision(BF16, "precision bf16 asked for");
            case AUTO:
                if (!onednn) return new Precision(FP32, "auto: engine " + placement.engine() + " runs fp32");
                if (!CpuIsa.hasBf16(isa)) return new Precision(FP32, "auto: " + missing(isa));
                return new Precision(BF16, "auto: oneDNN's bf16 kernels (" + isa + ")");
            default:
                throw new IllegalArgumentException("precision must be one of " + VALUES + ", got " + requested);
        }
    }

    private static String missing(String isa) {
        return "bf16 needs a CPU with AVX512-BF16 (cpuinfo flag avx512_bf16) or AMX, and oneDNN runs " + isa
                + " here";
    }

    public boolean bf16() {
        return value.equals(BF16);
    }

    /**
     * System property: the multiply-accumulates a convolution or dense layer must do in one call (batch size times
     * its work per example) to run in bf16; 0 runs every layer in bf16.
     */
    public static final String MIN_WORK_PROPERTY = "runner.bf16_min_macs";

    /**
     * The default of {@value #MIN_WORK_PROPERTY}: below it, bf16's conversions (the layer's input, the weights' bf16
     * copies) and its kernels' fixed costs outweigh what bf16 saves. Measured on the tutorial CNN at batch 4
     * (its largest layer does 1.4 M a call; bf16 trained at 0.75x fp32's speed) and ResNet9 at batch 64 (its
     * smallest convolution does 34 M; bf16 1.2x fp32): see docs/speed.md.
     */
    static final double MIN_WORK_MACS = 1e7;

    /**
     * Whether a convolution or dense layer doing {@code macsPerCall} multiply-accumulates in a call runs in bf16:
     * in bf16 (asked for, or auto's choice), when the call does at least {@value #MIN_WORK_PROPERTY} (default
     * {@link #MIN_WORK_MACS}). The layers after it (batch norm, activations, pooling, adds...) run in the type of
     * their input.
     */
    public boolean bf16For(double macsPerCall) {
        return bf16() && macsPerCall >= minWork();
    }

    static double minWork() {
        String p = System.getProperty(MIN_WORK_PROPERTY);
        if (p == null) return MIN_WORK_MACS;
        try {
            double v = Double.parseDouble(p.trim());
            if (v >= 0 && !Double.isInfinite(v)) return v;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new dev.runner.UserError("-D" + MIN_WORK_PROPERTY + " must be a number >= 0, got '" + p + "'");
    }

    /** One line: {@code bf16 (auto: ...)}. */
    @Override
    public String toString() {
        return value + " (" + why + ")";
    }

    /** For provenance.json and {@code runner bench}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", value);
        m.put("why", why);
        return m;
    }
}
