package dev.runner.model.onednn;

import org.bytedeco.dnnl.global.dnnl;

/**
 * The instruction set oneDNN dispatches its kernels for on this CPU ({@code dnnl_get_effective_cpu_isa}), by
 * oneDNN's name: {@code avx2}, {@code avx512_core}, {@code avx512_core_vnni}, {@code avx512_core_bf16} (AVX512-BF16:
 * Cooper Lake, Zen 4), {@code avx512_core_amx} (Sapphire Rapids)... It is capped by {@code ONEDNN_MAX_CPU_ISA}.
 * Tests decide a precision for another CPU through {@code CompileOptions.cpuIsa}.
 */
public final class CpuIsa {
    private CpuIsa() {}

    /** oneDNN's name of the ISA it dispatches here; "unknown" when oneDNN does not load. */
    public static String effective() {
        if (OneDnnStep.unavailable() != null) return "unknown";
        int v = dnnl.dnnl_get_effective_cpu_isa();
        for (dnnl.cpu_isa i : dnnl.cpu_isa.values()) if (i.value == v) return i.name();
        return "0x" + Integer.toHexString(v);
    }

    /** Whether oneDNN has native bf16 kernels (bf16 dot products, AVX512-BF16 or AMX) at ISA {@code isa}. */
    public static boolean hasBf16(String isa) {
        return isa.equals("avx512_core_bf16") || isa.equals("avx512_core_amx");
    }
}
