package dev.runner.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.factory.Nd4j;

/** The reference the runner's own convolution backward passes are checked against. */
final class ConvReference {
    private ConvReference() {
    }

    /**
     * Input, weight and bias gradients by libnd4j's conv2d_bp without platform helpers: NHWC, weights
     * [oC, iC, kH, kW], no dilation, explicit padding.
     */
    static INDArray[] gradients(INDArray x, INDArray w, INDArray b, INDArray delta, int kh, int kw, int sh, int sw,
                                int ph, int pw) {
        INDArray gi = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray gw = Nd4j.create(DataType.FLOAT, w.shape());
        INDArray gb = Nd4j.create(DataType.FLOAT, b.shape());
        OpContext c = Nd4j.getExecutioner().buildContext();
        c.setIArguments(kh, kw, sh, sw, ph, pw, 1, 1, 0, 1, 1);
        c.allowHelpers(false);
        c.setInputArrays(x, w, b, delta);
        c.setOutputArrays(gi, gw, gb);
        Nd4j.exec(new Conv2DDerivative(), c);
        return new INDArray[] {gi, gw, gb};
    }
}
