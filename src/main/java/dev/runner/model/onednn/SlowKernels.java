package dev.runner.model.onednn;

/**
 * The one rule that tells oneDNN's slow generic implementations from its fast kernels, by the implementation string
 * oneDNN reports for a primitive ({@link Plan#implementation}). Slow, many times slower than the JIT kernels:
 * <ul>
 *   <li>{@code ref*}: the reference loops ({@code ref:any}, {@code ref_int8}, ...);</li>
 *   <li>{@code *:any} other than {@code simple:any}: the generic C++ loops, e.g. batch norm's
 *       {@code nspc_bnorm:any} and {@code ncsp_bnorm:any} (batch norm on 36 channels in {@code nhwc}: about 10 times
 *       {@code bnorm_jit}'s time) and pooling's {@code simple_nchw:any} / {@code simple_nhwc:any}.
 *       {@code simple:any} is the regular path of concat, sum and reorder (copies), not a fallback; and a batch norm
 *       on vectors (2-D, after a dense layer) has no JIT kernel in oneDNN 2.5 (those take 4-D and 5-D maps only), so
 *       its {@code ncsp_bnorm:any} is the only code there is and is not counted;</li>
 *   <li>a GEMM behind a convolution ({@code x64:gemm:jit}, {@code gemm:jit}): im2col and a matrix product, oneDNN's
 *       fallback when no direct or brgemm convolution kernel takes the shape.</li>
 * </ul>
 * An inner product on {@code x64:gemm:jit} is not counted: a GEMM is that primitive's own algorithm, and the fast
 * alternative (brgemm) is a choice of oneDNN's, not a fallback from a missing kernel.
 */
public final class SlowKernels {
    private SlowKernels() {}

    /**
     * @param primitive the primitive's class name, e.g. {@code convolution_forward}, {@code batch_normalization_backward}
     * @param impl      the implementation oneDNN picked, e.g. {@code jit:avx512_core}, {@code nspc_bnorm:any}
     * @param ndims     the number of dimensions of the primitive's source (4 for maps, 2 for vectors; 0 unknown)
     */
    public static boolean slow(String primitive, String impl, int ndims) {
        if (impl.startsWith("ref")) return true;
        if (impl.endsWith(":any") && !impl.equals("simple:any")) {
            return !(primitive.startsWith("batch_normalization") && ndims == 2);
        }
        return primitive.startsWith("convolution") && impl.contains("gemm");
    }
}
