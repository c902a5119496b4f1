package dev.runner.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The backward pass of an NHWC convolution as two matrix products on an im2col matrix, for the convolutions where
 * the oneDNN op is slow: a 3x3, stride-1 kernel whose output is at most 2x2 (ResNet9's last block, at 2x2 for
 * CIFAR-10's 32x32). For those, the oneDNN v2.3 that libnd4j M2.1 bundles picks its Winograd backward kernels,
 * which compute 4x4 output tiles: at 2x2, three quarters of the work is padding. Measured on ResNet9's
 * 512-channel 2x2 convolution at batch 64: 68-73 ms for libnd4j's {@code conv2d_bp} against 20 ms here, and PyTorch's
 * oneDNN v2.6 (direct kernels) 23 ms. At 4x4 and above the oneDNN op is faster, and is kept.
 *
 * <p>With R = batch x output positions rows and the im2col matrix {@code col} [R, iC*kH*kW] (columns in the
 * weights' own [iC, kH, kW] order, so the weights [oC, iC, kH, kW] are a [oC, iC*kH*kW] matrix without a copy):
 * <pre>
 *   dW   = delta[R, oC]^T . col          (written straight into the weight gradient)
 *   dcol = delta[R, oC]   . W[oC, iC*kH*kW]
 *   dX   = col2im(dcol)                  (one strided add per kernel tap)
 * </pre>
 * Any kernel, stride and padding work (tests force them all against libnd4j's op); dilation is 1, as on the
 * layer's oneDNN path. One instance per layer keeps its two im2col buffers between steps.
 */
final class GemmConvBackprop {

    /** Whether the oneDNN op is known to be slow for this convolution (see the class comment). */
    static boolean preferredFor(int[] kernel, int[] stride, int[] dilation, long outH, long outW) {
        return kernel[0] == 3 && kernel[1] == 3 && stride[0] == 1 && stride[1] == 1
                && dilation[0] == 1 && dilation[1] == 1 && outH * outW <= 4;
    }

    private final ColumnSums sums = new ColumnSums();
    private INDArray col;
    private INDArray dcol;
    /** The input and output shapes the buffers were filled for: the zeros of {@code col} depend on both. */
    private long[] filledFor;

    /**
     * Gradients of an NHWC convolution without dilation, for the output gradient {@code delta} [N, oH, oW, oC]:
     * fills {@code weightGrad} [oC, iC, kH, kW] and {@code biasGrad} (when not null) and returns the gradient at
     * the input, {@code gradInput} [N, H, W, iC], which must be zero on entry.
     *
     * @param padTop the top and left padding, as the op is given it
     */
    void backprop(INDArray input, INDArray weights, INDArray delta, int[] kernel, int[] stride, int[] padTop,
                  INDArray weightGrad, INDArray biasGrad, INDArray gradInput) {
        long n = input.size(0), h = input.size(1), w = input.size(2), ic = input.size(3);
        long oh = delta.size(1), ow = delta.size(2), oc = delta.size(3);
        int kh = kernel[0], kw = kernel[1];
        long rows = n * oh * ow, cols = ic * kh * kw;
        ensureBuffers(new long[] {n, h, w, ic, oh, ow, kh, kw, stride[0], stride[1], padTop[0], padTop[1]},
                rows, cols);
        INDArray col6 = col.reshape('c', n, oh, ow, ic, kh, kw);
        INDArray dcol6 = dcol.reshape('c', n, oh, ow, ic, kh, kw);
        List<Tap> taps = new ArrayList<>();
        for (int a = 0; a < kh; a++) {
            for (int b = 0; b < kw; b++) {
                long[] ri = range(a, stride[0], padTop[0], h, oh);
                long[] rj = range(b, stride[1], padTop[1], w, ow);
                if (ri == null || rj == null) continue; // this tap only ever sees padding: its columns stay zero
                Tap t = new Tap(a, b, ri, rj);
                taps.add(t);
                t.columns(col6).assign(t.inputs(input, stride, padTop));
            }
        }
        INDArray d2 = delta.reshape('c', rows, oc);
        INDArray w2 = weights.reshape('c', oc, cols);
        if (weightGrad.ordering() == 'c' && Shape.hasDefaultStridesForShape(weightGrad)) {
            Nd4j.gemm(d2, col, weightGrad.reshape('c', oc, cols), true, false, 1.0, 0.0);
        } else {
            weightGrad.assign(Nd4j.gemm(d2, col, true, false).reshape('c', weightGrad.shape()));
        }
        if (biasGrad != null) sums.into(d2, biasGrad);
        Nd4j.gemm(d2, w2, dcol, false, false, 1.0, 0.0);
        for (Tap t : taps) t.inputs(gradInput, stride, padTop).addi(t.columns(dcol6));
    }

    /** A kernel tap (a, b) and the output rows [ri) and columns [rj) at which it lands inside the input. */
    private record Tap(int a, int b, long[] ri, long[] rj) {
        /** This tap's entries of an [N, oH, oW, iC, kH, kW] im2col view. */
        INDArray columns(INDArray col6) {
            return col6.get(all(), interval(ri[0], ri[1]), interval(rj[0], rj[1]), all(), point(a), point(b));
        }

        /** The input positions this tap reads, of an [N, H, W, iC] array. */
        INDArray inputs(INDArray x, int[] stride, int[] padTop) {
            return x.get(all(), inputInterval(ri, a, stride[0], padTop[0]), inputInterval(rj, b, stride[1],
                    padTop[1]), all());
        }
    }

    /**
     * The output positions [from, to) whose kernel tap {@code tap} lands inside the input (input index
     * {@code o * stride + tap - pad} in [0, size)), or null when none does.
     */
    static long[] range(int tap, int stride, int pad, long size, long outSize) {
        long from = Math.max(0, Math.floorDiv(pad - tap + stride - 1, stride));
        long to = Math.min(outSize, Math.floorDiv(size - 1 + pad - tap, stride) + 1);
        return from < to ? new long[] {from, to} : null;
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex inputInterval(long[] r, int tap, int stride, int pad) {
        long first = r[0] * stride + tap - pad;
        long last = (r[1] - 1) * stride + tap - pad;
        return interval(first, stride, last + 1, false); // not the three-argument form, which stretches a one-element range by the stride
    }

    private void ensureBuffers(long[] shape, long rows, long cols) {
        if (java.util.Arrays.equals(shape, filledFor)) return;
        filledFor = shape;
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            col = Nd4j.create(DataType.FLOAT, rows, cols); // zeros: the padding's entries are never written
            dcol = Nd4j.create(DataType.FLOAT, rows, cols);
        }
    }
}
