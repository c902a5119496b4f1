package dev.runner.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * PyTorch's {@code nn.Hardswish}, x·relu6(x + 3)/6, for DL4J's layers (DL4J has no hard swish). Its derivative is
 * PyTorch's {@code hardswish_backward}: 0 below -3, x/3 + 1/2 from -3 to 3 (both included), 1 above 3. The
 * oneDNN engine computes the same function ({@code eltwise_hardswish}).
 */
public class TorchHardswish extends BaseActivationFunction {
    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray r6 = Transforms.min(Transforms.max(in.add(3.0), 0.0, false), 6.0, false);
        return in.muli(r6).divi(6.0);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray grad = in.div(3.0).addi(0.5);
        INDArray below = in.lt(-3.0).castTo(grad.dataType());
        INDArray above = in.gt(3.0).castTo(grad.dataType());
        grad.muli(below.add(above).rsubi(1.0)).addi(above);
        in.assign(grad.muli(epsilon));
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchHardswish;
    }

    @Override
    public int hashCode() {
        return TorchHardswish.class.hashCode();
    }

    @Override
    public String toString() {
        return "hardswish";
    }
}
