package dev.runner.model.onednn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StallWatchTest {
    @Test
    void tellsOnceAfterTenStepsInARowOverFourTimesTheFastest() {
        StallWatch w = new StallWatch();
        for (long t : new long[] {120, 100, 110, 390, 105}) assertThat(w.stalled(t)).isFalse();
        // nine slow steps, a normal one: the count starts again
        for (int i = 0; i < 9; i++) assertThat(w.stalled(401)).isFalse();
        assertThat(w.stalled(150)).isFalse();
        for (int i = 0; i < 9; i++) assertThat(w.stalled(5000)).isFalse();
        assertThat(w.stalled(5000)).isTrue();
        for (int i = 0; i < 30; i++) assertThat(w.stalled(5000)).isFalse();
    }
}
