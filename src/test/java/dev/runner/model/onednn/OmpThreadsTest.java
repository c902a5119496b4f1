package dev.runner.model.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** A primitive run alone sees one OpenMP thread, and the caller's count is back afterwards, also after a failure. */
class OmpThreadsTest {
    @Test
    void runAloneRunsOnOneThreadAndRestoresTheCount() {
        Nd4j.getExecutioner();   // the backend (and its OpenMP runtime) loaded first, as in a run
        var ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int before = ops.ompGetMaxThreads();
        try {
            ops.setOmpNumThreads(2);
            int[] inside = new int[1];
            OmpThreads.runAlone(() -> inside[0] = ops.ompGetMaxThreads());
            assertThat(inside[0]).isEqualTo(1);
            assertThat(ops.ompGetMaxThreads()).isEqualTo(2);
            assertThatThrownBy(() -> OmpThreads.runAlone(() -> {
                throw new IllegalStateException("primitive failed");
            })).hasMessage("primitive failed");
            assertThat(ops.ompGetMaxThreads()).isEqualTo(2);
        } finally {
            ops.setOmpNumThreads(before);
        }
    }
}
