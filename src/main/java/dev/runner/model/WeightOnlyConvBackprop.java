package dev.runner.model;

import java.util.Arrays;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weight and bias gradients of an NHWC convolution whose input gradient nobody reads: a network's first
 * convolution, which reads the network's input. libnd4j's {@code conv2d_bp} always computes the input gradient
 * too, and for a first layer (three input channels, a 5x5 kernel) that is most of its time: at batch 4 on the
 * tutorial CNN's first convolution, oneDNN spends 0.44 ms on the unused input gradient against 0.09 ms on the
 * weights.
 *
 * <p>Here the weight gradient is one forward convolution. For stride 1,
 * {@code dW[o, i, a, b] = sum over n, y, x of delta[n, y, x, o] * xpad[n, y + a, x + b, i]}: the padded input,
 * with the input channels as the batch and the batch as the channels, convolved with the output gradient as
 * the kernel (oH x oW, the batch as its input channels), gives a kH x kW output per (i, o). The two operands are
 * copied into that layout first (libnd4j's oneDNN convolution gives wrong results for permuted views); the
 * arrays are small where this path is chosen. The bias gradient is {@link ColumnSums} of {@code delta[R, oC]}.
 *
 * <p>Measured against {@code conv2d_bp} (weights, bias and the input gradient), the tutorial CNN's first
 * convolution (3 to 6 channels, 5x5, 32x32): 0.18 against 0.41 ms at batch 4, 0.77 against 1.48 ms at 16,
 * 3.6 against 6.4 ms at 64. For ResNet9's 3x3 first convolution the copies cost more than the input gradient
 * saves (0.86 against 0.76 ms at batch 4, 18 against 13 ms at 64), so 3x3 kernels keep {@code conv2d_bp}.
 * One instance per layer keeps its buffers between steps.
 */
final class WeightOnlyConvBackprop {
    /** Largest output gradient (elements) this path is chosen for: beyond it the copies dominate. */
    static final long MAX_DELTA_ELEMENTS = 1L << 19;

    /**
     * Whether this path is the faster one for a convolution whose input gradient is unused: stride 1, no
     * dilation, the same padding on both sides, a kernel of at least 5x5 (see the class comment) and an output
     * gradient of at most {@link #MAX_DELTA_ELEMENTS}.
     *
     * @param padTop    top and left padding
     * @param padBottom bottom and right padding
     */
    static boolean preferredFor(int[] kernel, int[] stride, int[] dilation, int[] padTop, int[] padBottom,
                                long deltaElements) {
        return stride[0] == 1 && stride[1] == 1 && dilation[0] == 1 && dilation[1] == 1
                && padTop[0] == padBottom[0] && padTop[1] == padBottom[1]
                && (long) kernel[0] * kernel[1] >= 25 && deltaElements <= MAX_DELTA_ELEMENTS;
    }

    private INDArray inputT;
    private INDArray deltaT;
    private INDArray out;
    private final ColumnSums sums = new ColumnSums();
    private long[] shapedFor;

    /**
     * Fills {@code weightGrad} [oC, iC, kH, kW] and {@code biasGrad} (when not null) for the NHWC {@code input}
     * [N, H, W, iC] and output gradient {@code delta} [N, oH, oW, oC] of a stride-1 convolution with padding
     * {@code pad} on every side.
     */
    void backprop(INDArray input, INDArray delta, int[] kernel, int[] pad, INDArray weightGrad, INDArray biasGrad) {
        long n = input.size(0), h = input.size(1), w = input.size(2), ic = input.size(3);
        long oh = delta.size(1), ow = delta.size(2), oc = delta.size(3);
        if (h + 2L * pad[0] - oh + 1 != kernel[0] || w + 2L * pad[1] - ow + 1 != kernel[1]) {
            throw new IllegalArgumentException("not a stride-1 convolution with padding " + Arrays.toString(pad)
                    + ": input " + Arrays.toString(input.shape()) + ", output gradient "
                    + Arrays.toString(delta.shape()) + ", kernel " + Arrays.toString(kernel));
        }
        ensureBuffers(new long[] {n, h, w, ic, oh, ow, oc, kernel[0], kernel[1]});
        inputT.assign(input.permute(3, 1, 2, 0));     // [iC, H, W, N]: the channels as the batch
        deltaT.assign(delta.permute(3, 0, 1, 2));     // [oC, N, oH, oW]: weights in OIYX
        Conv2DConfig conf = Conv2DConfig.builder().kH(oh).kW(ow).sH(1).sW(1).pH(pad[0]).pW(pad[1]).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NHWC").weightsFormat(WeightsFormat.OIYX).build();
        Nd4j.exec(new Conv2D(new INDArray[] {inputT, deltaT}, new INDArray[] {out}, conf));
        weightGrad.assign(out.permute(3, 0, 1, 2));  // [iC, kH, kW, oC] -> [oC, iC, kH, kW]
        if (biasGrad != null) sums.into(delta.reshape('c', n * oh * ow, oc), biasGrad);
    }

    private void ensureBuffers(long[] shape) {
        if (Arrays.equals(shape, shapedFor)) return;
        shapedFor = shape;
        long n = shape[0], h = shape[1], w = shape[2], ic = shape[3], oh = shape[4], ow = shape[5], oc = shape[6];
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            inputT = Nd4j.createUninitialized(DataType.FLOAT, ic, h, w, n);
            deltaT = Nd4j.createUninitialized(DataType.FLOAT, oc, n, oh, ow);
            out = Nd4j.createUninitialized(DataType.FLOAT, ic, shape[7], shape[8], oc);
        }
    }
}
