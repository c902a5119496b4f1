package dev.runner.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exact GELU of PyTorch's {@code nn.GELU()}, x·Φ(x) = x·(1 + erf(x/√2))/2, for DL4J's layers. DL4J's own
 * {@code ActivationGELU} is an approximation: {@code x·sigmoid(1.702x)}, or with {@code precise} the tanh
 * formula, up to about 1e-3 off. The oneDNN engine computes the same exact function ({@code eltwise_gelu_erf}).
 */
public class ErfGelu extends BaseActivationFunction {
    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray cdf = cdf(in);
        return in.muli(cdf);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        // d/dx x·Φ(x) = Φ(x) + x·φ(x)
        INDArray pdf = Transforms.exp(in.mul(in).muli(-0.5), false).muli(INV_SQRT_2PI);
        INDArray grad = cdf(in).addi(pdf.muli(in));
        in.assign(grad.muli(epsilon));
        return new Pair<>(in, null);
    }

    /** Φ(x) = (1 + erf(x/√2))/2, a new array. */
    private static INDArray cdf(INDArray x) {
        INDArray e = x.mul(SQRT_HALF);
        Nd4j.exec(new Erf(e, e));
        return e.addi(1.0).muli(0.5);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErfGelu;
    }

    @Override
    public int hashCode() {
        return ErfGelu.class.hashCode();
    }

    @Override
    public String toString() {
        return "gelu";
    }
}
