package dev.runner.model;

import dev.runner.UserError;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.OptimizerSpec;
import dev.runner.spec.Shapes;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;

/**
 * What a network needs in memory before any of it is allocated, from the spec's shapes and parameter counts:
 * parameters, their gradients and the optimizer's state (in f32 in both precisions: bf16 keeps f32 master
 * weights), plus activations at the batch size (each layer's output and its gradient, and the largest convolution's
 * im2col buffer) or at the test batch size for evaluation, whichever is larger. The whole lives in native memory
 * (ND4J's buffers), which {@link #check} compares with what this process may use, so that a network that cannot
 * fit is refused in one line instead of crashing the JVM in {@code allocateDataBuffer}. docs/cli.md (check)
 * compares the estimate with measured peaks.
 *
 * @param params        trainable parameters
 * @param activations   activation elements of one image (every layer's output, the input included)
 * @param im2col        the largest convolution's im2col elements for one image
 * @param batch         the training batch size
 * @param testBatch     the evaluation batch size
 * @param optimizerSlots the optimizer's state per parameter (sgd 0 or 1 with momentum, adam and adamw 2)
 */
public record MemoryEstimate(long params, long activations, long im2col, int batch, int testBatch,
                             int optimizerSlots) {
    /** Bytes per activation element in {@code precision} ("fp32" or "bf16"). */
    private static int elementBytes(String precision) {
        return Precision.BF16.equals(precision) ? 2 : 4;
    }

    /** The estimate for {@code model} trained at {@code batch} with {@code optimizer}, evaluated at {@code testBatch}. */
    public static MemoryEstimate of(ModelSpec model, int batch, int testBatch, OptimizerSpec optimizer) {
        Map<String, int[]> shapes = Shapes.infer(model);
        long params = 0;
        long act = elements(model.input());
        long im2col = 0;
        for (LayerNode n : model.nodes()) {
            int[] in = n.inputs().isEmpty() ? model.input() : shapes.get(n.inputs().get(0));
            params = satAdd(params, n.layer().params(in));
            int[] out = shapes.get(n.name());
            act = satAdd(act, elements(out));
            if (n.layer() instanceof Conv c && out.length == 3) {
                long cols = (long) out[1] * out[2] * in[0] * c.kernel()[0] * c.kernel()[1];
                im2col = Math.max(im2col, cols);
            }
        }
        return new MemoryEstimate(params, act, im2col, batch, testBatch, slots(optimizer));
    }

    private static int slots(OptimizerSpec o) {
        if (o == null || o.type() == null) {
            return 1;
        }
        return switch (o.type()) {
            case "adam", "adamw" -> 2;
            case "sgd" -> o.momentum() == 0 ? 0 : 1;
            default -> 2;
        };
    }

    private static long elements(int[] shape) {
        long e = 1;
        for (int d : shape) {
            e = sat(e, d);
        }
        return e;
    }

    /** Parameters, gradients and optimizer state, in bytes (f32 in both precisions). */
    public long parameterBytes() {
        return sat(params, 4L * (2 + optimizerSlots));
    }

    /** The bf16 copy of the weights a bf16 step keeps beside the f32 masters. */
    private long bf16Weights(String precision) {
        return Precision.BF16.equals(precision) ? sat(params, 2) : 0;
    }

    /** Activations at the batch size: outputs and their gradients, plus the largest im2col, in bytes. */
    public long activationBytes(String precision) {
        long perImage = sat(activations, 2) + im2col;
        long train = sat(sat(perImage, batch), elementBytes(precision));
        long eval = sat(sat(activations + im2col, testBatch), elementBytes(precision));
        return Math.max(train, eval);
    }

    /** The whole estimate in bytes for {@code precision}. */
    public long totalBytes(String precision) {
        return satAdd(satAdd(parameterBytes(), bf16Weights(precision)), activationBytes(precision));
    }

    /** One line for check's summary: parameters, activations and total in both precisions. */
    public String describe() {
        return String.format(Locale.ROOT, "memory: %s parameters + optimizer state (%d slot%s), activations at"
                        + " batch %d or test batch %d %s (fp32) / %s (bf16); total %s fp32, %s bf16",
                bytes(parameterBytes()), optimizerSlots, optimizerSlots == 1 ? "" : "s", batch, testBatch,
                bytes(activationBytes(Precision.FP32)), bytes(activationBytes(Precision.BF16)),
                bytes(totalBytes(Precision.FP32)), bytes(totalBytes(Precision.BF16)));
    }

    /**
     * The native memory this process may use: the physical memory (or the container's limit) less the heap it
     * may take, and JavaCPP's {@code org.bytedeco.javacpp.maxPhysicalBytes} less the heap when that is set lower.
     */
    public static long nativeLimit() {
        long heap = Runtime.getRuntime().maxMemory();
        long ram = physicalMemory();
        long limit = ram > 0 ? ram - heap : Long.MAX_VALUE;
        long maxPhysical = javacppMaxPhysicalBytes();
        if (maxPhysical > 0) {
            limit = Math.min(limit, maxPhysical - heap);
        }
        return Math.max(0, limit);
    }

    /**
     * Refuses, in one line (exit 1), a network whose estimate in {@code precision} exceeds {@link #nativeLimit}:
     * ND4J's allocation of a buffer the machine cannot hold ends the JVM with a segmentation fault.
     */
    public void check(String precision) {
        long need = totalBytes(precision);
        long limit = nativeLimit();
        if (need > limit) {
            throw new UserError(String.format(Locale.ROOT, "the network needs about %s of memory (%,d parameters,"
                            + " activations at batch %d, %s) and this process may use %s beside its %s heap"
                            + " (physical memory %s); use a smaller network or batch", bytes(need), params, batch,
                    precision, bytes(limit), bytes(Runtime.getRuntime().maxMemory()), bytes(physicalMemory())),
                    1, null);
        }
    }

    /** Total physical memory, or a cgroup's lower memory limit; 0 when unknown. */
    static long physicalMemory() {
        long ram = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            ram = os.getTotalMemorySize();     // the container's limit when the JVM runs in one
        }
        return ram;
    }

    /** JavaCPP's limit on the process's physical memory (0 when none), read without loading ND4J. */
    static long javacppMaxPhysicalBytes() {
        try {
            return org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
        } catch (LinkageError e) {
            return 0;
        }
    }

    /** Bytes as B, KB, MB, GB (powers of 1024). */
    public static String bytes(long b) {
        if (b == Long.MAX_VALUE) {
            return "more than 8 EB";
        }
        String[] units = {"B", "KB", "MB", "GB", "TB", "PB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    private static long sat(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long satAdd(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
