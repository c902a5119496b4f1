package dev.runner.model;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch's {@code flatten} of an NHWC feature map: features come out in (channel, height, width) order, as
 * {@code torch.flatten} produces from NCHW, so a dense layer after it sees the same feature order in either
 * layout. (DL4J's own CnnToFeedForwardPreProcessor flattens NHWC in (height, width, channel) order.)
 * A bean (no-arg constructor, accessors) so the configuration serialises.
 */
public class ChwFlattenPreProcessor implements InputPreProcessor {
    private long height;
    private long width;
    private long channels;

    public ChwFlattenPreProcessor() {}

    public ChwFlattenPreProcessor(long height, long width, long channels) {
        this.height = height;
        this.width = width;
        this.channels = channels;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        if (input.rank() != 4 || input.size(1) != height || input.size(2) != width || input.size(3) != channels) {
            throw new IllegalStateException("flatten expects NHWC input [batch, " + height + ", " + width + ", "
                    + channels + "], got " + java.util.Arrays.toString(input.shape()));
        }
        INDArray nchw = input.permute(0, 3, 1, 2);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(),
                new long[] {input.size(0), channels, height, width}, 'c');
        out.assign(nchw);
        return out.reshape('c', input.size(0), channels * height * width);
    }

    @Override
    public INDArray backprop(INDArray epsilon, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        INDArray eps = epsilon.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(epsilon)
                ? epsilon : epsilon.dup('c');
        INDArray asNchw = eps.reshape('c', eps.size(0), channels, height, width);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                new long[] {eps.size(0), height, width, channels}, 'c');
        out.assign(asNchw.permute(0, 2, 3, 1));
        return out;
    }

    @Override
    public ChwFlattenPreProcessor clone() {
        return new ChwFlattenPreProcessor(height, width, channels);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c) || c.getFormat() != CNN2DFormat.NHWC) {
            throw new IllegalStateException("flatten expects NHWC convolutional input, got " + inputType);
        }
        return InputType.feedForward(c.getChannels() * c.getHeight() * c.getWidth());
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }

    public long getHeight() { return height; }
    public void setHeight(long height) { this.height = height; }
    public long getWidth() { return width; }
    public void setWidth(long width) { this.width = width; }
    public long getChannels() { return channels; }
    public void setChannels(long channels) { this.channels = channels; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChwFlattenPreProcessor p && p.height == height && p.width == width
                && p.channels == channels;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(height, width, channels);
    }
}
