package dev.runner.model.onednn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BusyWatchTest {
    private static final long S = 1_000_000_000L;

    @Test
    void tellsOnceWhenOtherProcessesUseHalfACoreOverAWindow() {
        BusyWatch w = new BusyWatch();
        assertThat(w.busy(0, () -> 1000, () -> 500)).isFalse();
        // 1 s: too short a window to judge (and /proc is not read)
        assertThat(w.busy(S, () -> { throw new AssertionError("read"); }, () -> 700)).isFalse();
        // 2 s in all: this process used 380 ticks of 400, others 0.1 core: quiet
        assertThat(w.busy(2 * S, () -> 1400, () -> 880)).isFalse();
        // the next 2 s: 400 ticks of ours, 120 of others (0.6 core)
        assertThat(w.busy(4 * S, () -> 1920, () -> 1280)).isTrue();
        assertThat(w.busy(6 * S, () -> 2520, () -> 1480)).isFalse();   // once
    }

    @Test
    void saysNothingWithoutProc() {
        BusyWatch w = new BusyWatch();
        for (int i = 0; i < 5; i++) assertThat(w.busy(i * 3 * S, () -> -1, () -> -1)).isFalse();
    }

    @Test
    void readsThisMachinesCpuTimes() {
        long all = BusyWatch.allTicks();
        long own = BusyWatch.ownTicks();
        if (all < 0) return;   // not Linux
        assertThat(own).isBetween(0L, all);
    }
}
