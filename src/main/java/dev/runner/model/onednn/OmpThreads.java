package dev.runner.model.onednn;

import java.util.function.Supplier;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The OpenMP thread count of the calling thread, which oneDNN's primitives read when they run (the step's oneDNN
 * shares ND4J's OpenMP runtime, so ND4J's native calls set it).
 *
 * <p>Why a primitive may run alone: some of oneDNN's primitives (batch norm with batch statistics) make their
 * threads meet at barriers that spin. When another process takes one of two cores, the thread that waits spins
 * through its time slice while the one it waits for is off the CPU, at every barrier: ResNet-style networks' batch
 * norms then took 420 ms a step on two threads against 38 on one (docs/speed.md, 2026-12-02). On one thread their
 * results also no longer depend on the machine's core count.
 */
final class OmpThreads {
    private OmpThreads() {}

    /** The OpenMP thread count on the calling thread: the one primitives made now are built for. */
    static int current() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    /** Runs {@code r} with one OpenMP thread on the calling thread, then restores the count it had. */
    static void runAlone(Runnable r) {
        alone(() -> {
            r.run();
            return null;
        });
    }

    /**
     * What {@code make} returns, made with one OpenMP thread on the calling thread (the count is restored after):
     * oneDNN fixes some primitives' thread count when they are made, so such a primitive is made on one thread.
     */
    static <T> T alone(Supplier<T> make) {
        var ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int before = current();
        if (before == 1) return make.get();
        ops.setOmpNumThreads(1);
        try {
            return make.get();
        } finally {
            ops.setOmpNumThreads(before);
        }
    }
}
