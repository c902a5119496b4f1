package dev.runner.model.onednn;

import java.nio.FloatBuffer;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Native memory of ND4J arrays as oneDNN sees it: addresses, float buffers and memory descriptors. */
public final class Mem {
    private Mem() {}

    /** A JavaCPP pointer at a raw address. */
    static final class Raw extends Pointer {
        Raw(long address) {
            this.address = address;
        }
    }

    /** The address of {@code a}'s first element. */
    public static long address(INDArray a) {
        return a.data().address() + a.offset() * a.data().getElementSize();
    }

    /** A float buffer over {@code n} floats of native memory. */
    static FloatBuffer floats(Pointer p, long n) {
        return new FloatPointer(p).capacity(n).asBuffer();
    }

    static FloatBuffer floats(INDArray a) {
        return floats(new Raw(address(a)), a.length());
    }

    static memory.desc plain(long[] dims, memory.format_tag tag) {
        return plain(dims, tag, memory.data_type.f32);
    }

    static memory.desc plain(long[] dims, memory.format_tag tag, memory.data_type type) {
        return new memory.desc(dims, type, tag);
    }

    /** The plain layout of a value of these dimensions in PyTorch's order: nchw for a map, nc for a vector. */
    static memory.desc logical(long[] dims) {
        return plain(dims, dims.length == 4 ? memory.format_tag.nchw : memory.format_tag.nc);
    }

    static memory.desc any(long[] dims) {
        return any(dims, memory.data_type.f32);
    }

    /** Any layout oneDNN picks, of element type {@code type}. */
    static memory.desc any(long[] dims, memory.data_type type) {
        return new memory.desc(dims, type, memory.format_tag.any);
    }

    /** A descriptor for an ND4J view, its dimensions in oneDNN's order given as the view's axes in {@code axes}. */
    static memory.desc viewDesc(INDArray a, int... axes) {
        long[] dims = new long[axes.length];
        long[] strides = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            dims[i] = a.size(axes[i]);
            strides[i] = a.stride(axes[i]);
        }
        return new memory.desc(dims, memory.data_type.f32, strides);
    }

    static memory.desc flatDesc(INDArray a) {
        return new memory.desc(new long[] {a.length()}, memory.data_type.f32, memory.format_tag.x);
    }

    /** {@code md}'s layout (plain or blocked) with elements of type {@code type}. */
    static memory.desc withType(memory.desc md, memory.data_type type) {
        dnnl_memory_desc_t d = new dnnl_memory_desc_t();
        Pointer.memcpy(d, md.data(), d.sizeof());
        d.data_type(type.value);
        return new memory.desc(d);
    }

    static boolean same(memory.desc a, memory.desc b) {
        return dnnl.dnnl_memory_desc_equal(a.data(), b.data()) != 0;
    }
}
