package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Mean, sd, Student t interval and Welch's test against values worked by hand. */
class SeedStatsTest {
    @Test
    void meanSdAndIntervalByHand() {
        // 0.60, 0.62, 0.64: mean 0.62, sd sqrt((0.0004 + 0 + 0.0004) / 2) = 0.02, t(0.975, 2) = 4.302653,
        // half width 4.302653 * 0.02 / sqrt(3) = 0.049683
        SeedStats.Summary s = SeedStats.of(List.of(0.60, 0.62, 0.64));
        assertThat(s.n()).isEqualTo(3);
        assertThat(s.mean()).isEqualTo(0.62, within(1e-12));
        assertThat(s.sd()).isEqualTo(0.02, within(1e-12));
        assertThat(s.halfWidth()).isEqualTo(0.049683, within(1e-6));
        assertThat(s.ciLow()).isEqualTo(0.570317, within(1e-6));
        assertThat(s.describe(100, 2)).isEqualTo("62.00 ± 2.00 (95 % CI 57.03 to 66.97, n=3)");
        SeedStats.Summary one = SeedStats.of(List.of(0.5));
        assertThat(one.sd()).isNaN();
        assertThat(one.describe(100, 1)).isEqualTo("50.0 (n=1)");
    }

    @Test
    void welchByHand() {
        // a = 1,2,3 (mean 2, var 1), b = 4,5,6,7 (mean 5.5, var 5/3): se^2 = 1/3 + 5/12 = 0.75,
        // t = -3.5 / sqrt(0.75) = -4.041452; df = 0.75^2 / ((1/3)^2 / 2 + (5/12)^2 / 3) = 4.959184
        // two-sided p at |t| = 4.0415, df 4.9592: 0.010077 (the t distribution's tail, as SciPy's ttest_ind(equal_var=False) gives)
        SeedStats.Welch w = SeedStats.welch(List.of(1.0, 2.0, 3.0), List.of(4.0, 5.0, 6.0, 7.0));
        assertThat(w.t()).isEqualTo(-4.041452, within(1e-6));
        assertThat(w.df()).isEqualTo(4.959184, within(1e-6));
        assertThat(w.p()).isEqualTo(0.010077, within(1e-6));
        assertThat(w.significant()).isTrue();
        assertThat(SeedStats.compare("A", List.of(0.61, 0.62, 0.63), "B", List.of(0.60, 0.62, 0.64), 100, "points"))
                .startsWith("A's mean is above B's by 0.00 points; the difference is not significant");
        assertThat(SeedStats.compare("A", List.of(0.7), "B", List.of(0.6), 100, "points"))
                .isEqualTo("A's mean is above B's by 10.00 points; whether that is significant needs at least 2"
                        + " seeds each (sweep.seeds)");
    }
}
