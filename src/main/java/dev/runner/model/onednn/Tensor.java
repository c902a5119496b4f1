package dev.runner.model.onednn;

import org.bytedeco.dnnl.memory;

/** A value in a plan: its logical dimensions (NCHW order or [N, F]), its layout, its memory and its gradient. */
final class Tensor {
    final long[] dims;
    final memory.desc md;
    final memory mem;
    memory diff;
    /** Whether a backward step has written {@link #diff} yet (while the plan is being built). */
    boolean diffWritten;
    /** How many steps read it: more than one, and their gradient contributions are added up. */
    int consumers = 1;
    /** The network input, or a copy of it: no gradient. */
    boolean constant;

    Tensor(long[] dims, memory.desc md, memory mem) {
        this.dims = dims;
        this.md = md;
        this.mem = mem;
    }

    boolean isMap() {
        return dims.length == 4;
    }
}
