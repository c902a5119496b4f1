package dev.runner.model;

import dev.runner.model.onednn.DropoutMask;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dropout for DL4J's layers with PyTorch's semantics and the oneDNN engine's masks: each step's mask comes from
 * {@link DropoutMask} (seed, layer, iteration), in PyTorch's logical element order whatever the layout, so both
 * engines drop the same elements and a resumed run draws the masks it would have drawn. A bean (no-arg
 * constructor and accessors) for DL4J's JSON configuration.
 */
public class SeededDropout implements IDropout {
    private double p;
    private long seed;
    private String layer;
    private boolean nhwc;
    private transient INDArray mask;

    public SeededDropout() {}

    /**
     * @param p    the probability of dropping an element
     * @param nhwc whether a feature map comes in NHWC (its mask is drawn in N, C, H, W order all the same)
     */
    public SeededDropout(double p, long seed, String layer, boolean nhwc) {
        this.p = p;
        this.seed = seed;
        this.layer = layer;
        this.nhwc = nhwc;
    }

    @Override
    public INDArray applyDropout(INDArray in, INDArray result, int iteration, int epoch, LayerWorkspaceMgr mgr) {
        long[] s = in.shape();
        float[] m = new float[(int) in.length()];
        DropoutMask.fill(FloatBuffer.wrap(m), m.length, DropoutMask.key(seed, layer, iteration), p);
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (s.length == 4 && nhwc) {
                mask = Nd4j.create(m, new long[] {s[0], s[3], s[1], s[2]}, 'c').permute(0, 2, 3, 1);
            } else {
                mask = Nd4j.create(m, s, 'c');
            }
        }
        result.assign(in);
        return result.muli(mask);
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        gradAtInput.assign(gradAtOutput);
        return gradAtInput.muli(mask);
    }

    @Override
    public void clear() {
        mask = null;
    }

    @Override
    public SeededDropout clone() {
        return new SeededDropout(p, seed, layer, nhwc);
    }

    public double getP() {
        return p;
    }

    public void setP(double p) {
        this.p = p;
    }

    public long getSeed() {
        return seed;
    }

    public void setSeed(long seed) {
        this.seed = seed;
    }

    public String getLayer() {
        return layer;
    }

    public void setLayer(String layer) {
        this.layer = layer;
    }

    public boolean isNhwc() {
        return nhwc;
    }

    public void setNhwc(boolean nhwc) {
        this.nhwc = nhwc;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeededDropout d && d.p == p && d.seed == seed && java.util.Objects.equals(d.layer, layer)
                && d.nhwc == nhwc;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(p, seed, layer, nhwc);
    }
}
