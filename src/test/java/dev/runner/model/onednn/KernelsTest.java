package dev.runner.model.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_v2_forward;
import org.junit.jupiter.api.Test;

/** Which of oneDNN's implementations a primitive runs, and which of them {@link SlowKernels} calls slow,
 * as {@code runner bench}'s slow_kernels reports it. */
class KernelsTest {
    @Test
    void tellsAReferenceImplementationFromAFastOne() {
        assumeTrue(OneDnnStep.unavailable() == null, "oneDNN available");
        engine eng = new engine(engine.kind.cpu, 0);
        long[] dims = {4, 16, 8, 8};
        // no CPU has a JIT max pooling for maps blocked by 4 channels
        memory.desc by4 = new memory.desc(dims, memory.data_type.f32, memory.format_tag.nChw4c);
        pooling_v2_forward pool = new pooling_v2_forward(new pooling_v2_forward.primitive_desc(
                new pooling_v2_forward.desc(dnnl.prop_kind.forward_inference, dnnl.algorithm.pooling_max, by4,
                        new memory.desc(new long[] {4, 16, 4, 4}, memory.data_type.f32, memory.format_tag.nChw4c),
                        new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0}, new long[] {0, 0},
                        new long[] {0, 0}), eng));
        assertThat(Plan.implementation(pool)).startsWith("ref");
        assertThat(SlowKernels.slow("pooling_v2_forward", Plan.implementation(pool), 4)).isTrue();
        memory.desc any = new memory.desc(dims, memory.data_type.f32, memory.format_tag.any);
        convolution_forward conv = new convolution_forward(new convolution_forward.primitive_desc(
                new convolution_forward.desc(dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_direct, any,
                        new memory.desc(new long[] {16, 16, 3, 3}, memory.data_type.f32, memory.format_tag.any),
                        new memory.desc(), any, new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1},
                        new long[] {1, 1}), eng));
        assertThat(Plan.implementation(conv)).isNotEmpty().doesNotStartWith("ref").isNotEqualTo("unknown");
        assertThat(SlowKernels.slow("convolution_forward", Plan.implementation(conv), 4)).isFalse();
    }

    /** oneDNN 2.5's implementation names: reference, generic {@code :any} and a GEMM convolution are slow. */
    @Test
    void callsReferenceGenericAndGemmConvolutionCodeSlow() {
        assertThat(SlowKernels.slow("pooling_v2_forward", "ref:any", 4)).isTrue();
        assertThat(SlowKernels.slow("batch_normalization_forward", "nspc_bnorm:any", 4)).isTrue();
        assertThat(SlowKernels.slow("batch_normalization_backward", "ncsp_bnorm:any", 4)).isTrue();
        assertThat(SlowKernels.slow("pooling_v2_forward", "simple_nhwc:any", 4)).isTrue();
        assertThat(SlowKernels.slow("convolution_forward", "x64:gemm:jit", 4)).isTrue();
        assertThat(SlowKernels.slow("convolution_backward_weights", "gemm:jit", 4)).isTrue();
        assertThat(SlowKernels.slow("batch_normalization_forward", "bnorm_jit:avx512_core", 4)).isFalse();
        assertThat(SlowKernels.slow("convolution_forward", "brg:avx512_core", 4)).isFalse();
        assertThat(SlowKernels.slow("convolution_forward", "jit_1x1:avx2", 4)).isFalse();
        assertThat(SlowKernels.slow("inner_product_forward", "x64:gemm:jit", 4)).isFalse();
        assertThat(SlowKernels.slow("concat", "simple:any", 4)).isFalse();
        // batch norm on vectors: oneDNN 2.5 has no JIT kernel for 2-D tensors, the generic code is all there is
        assertThat(SlowKernels.slow("batch_normalization_forward", "ncsp_bnorm:any", 2)).isFalse();
        assertThat(SlowKernels.slow("batch_normalization_forward", "ref:any", 2)).isTrue();
        assertThat(SlowKernels.slow("sum", "simple:any", 4)).isFalse();
    }
}
