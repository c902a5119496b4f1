package dev.runner.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** ASHA's promotion rule against an example worked by hand, Hyperband's brackets, failed trials. */
class AshaTest {
    @Test
    void promotesTheTopThirdOfEachRungAsResultsComeIn() {
        // min 1, max 4, eta 2: rungs at 1, 2 and 4 epochs; four trials, each reported as soon as it is handed out
        Asha a = new Asha(1, 4, 2, false, true);
        assertThat(a.rungs()).containsExactly(List.of(1, 2, 4));
        Asha.Job j0 = a.next(true);
        assertThat(j0).isEqualTo(new Asha.Job(0, 0, 0, 1));
        a.report(j0, 0.5);
        // rung 1 epoch: 1 result, floor(1/2) = 0 promotable: a new trial
        Asha.Job j1 = a.next(true);
        assertThat(j1).isEqualTo(new Asha.Job(1, 0, 0, 1));
        a.report(j1, 0.7);
        // 2 results: the top 1 (trial 1, 0.7) goes on to 2 epochs
        Asha.Job j2 = a.next(true);
        assertThat(j2).isEqualTo(new Asha.Job(1, 0, 1, 2));
        assertThat(j2.starts()).isFalse();
        a.report(j2, 0.8);
        // rung 2 epochs has 1 result (none promotable), rung 1's top 1 is promoted already: a new trial
        Asha.Job j3 = a.next(true);
        assertThat(j3).isEqualTo(new Asha.Job(2, 0, 0, 1));
        a.report(j3, 0.6);
        // 3 results at rung 1 epoch: top floor(3/2) = 1 is still trial 1: a new trial
        Asha.Job j4 = a.next(true);
        assertThat(j4).isEqualTo(new Asha.Job(3, 0, 0, 1));
        a.report(j4, 0.9);
        // 4 results: the top 2 are trials 3 (0.9) and 1 (0.7); 3 is not promoted yet
        Asha.Job j5 = a.next(false);
        assertThat(j5).isEqualTo(new Asha.Job(3, 0, 1, 2));
        a.report(j5, 0.85);
        // 2 results at rung 2 epochs: the top 1 is trial 3 (0.85 > 0.8): on to 4 epochs, the top
        Asha.Job j6 = a.next(false);
        assertThat(j6).isEqualTo(new Asha.Job(3, 0, 2, 4));
        a.report(j6, 0.95);
        // nothing left to promote, and no new trials allowed
        assertThat(a.next(false)).isNull();
        assertThat(a.stoppedEarly(0)).isTrue();
        assertThat(a.stoppedEarly(1)).isTrue();
        assertThat(a.stoppedEarly(2)).isTrue();
        assertThat(a.stoppedEarly(3)).isFalse();
    }

    @Test
    void minimizingPromotesTheLowestAndTiesGoToTheEarlierTrial() {
        Asha a = new Asha(2, 8, 2, false, false);
        assertThat(a.rungs()).containsExactly(List.of(2, 4, 8));
        Asha.Job j0 = a.next(true);
        a.report(j0, 1.0);
        Asha.Job j1 = a.next(true);
        a.report(j1, 1.0);
        assertThat(a.next(true)).isEqualTo(new Asha.Job(0, 0, 1, 4));
    }

    @Test
    void aFailedTrialIsNeverPromoted() {
        Asha a = new Asha(1, 3, 2, false, true);
        Asha.Job j0 = a.next(true);
        a.report(j0, Double.NaN);
        Asha.Job j1 = a.next(true);
        a.report(j1, Double.NaN);
        assertThat(a.next(false)).isNull();
        Asha.Job j2 = a.next(true);
        a.report(j2, 0.1);
        // 3 results, top floor(3/2) = 1: trial 2 (the NaNs rank last) goes on to 2 epochs (rungs 1, 2, 3)
        Asha.Job p2 = a.next(true);
        assertThat(p2).isEqualTo(new Asha.Job(2, 0, 1, 2));
        a.report(p2, 0.3);
        Asha.Job j3 = a.next(true);
        assertThat(j3).isEqualTo(new Asha.Job(3, 0, 0, 1));
        a.report(j3, 0.2);
        // 4 results, top 2: trials 3 (0.2) and 2 (promoted already)
        assertThat(a.next(false)).isEqualTo(new Asha.Job(3, 0, 1, 2));
        assertThat(a.next(false)).isNull();
        assertThat(a.stoppedEarly(0)).isTrue();
    }

    @Test
    void hyperbandRunsBracketsOfAshaAndHandsTrialsOutInTurn() {
        Asha h = new Asha(1, 9, 3, true, true);
        assertThat(h.rungs()).containsExactly(List.of(1, 3, 9), List.of(3, 9), List.of(9));
        assertThat(h.next(true)).isEqualTo(new Asha.Job(0, 0, 0, 1));
        assertThat(h.next(true)).isEqualTo(new Asha.Job(1, 1, 0, 3));
        assertThat(h.next(true)).isEqualTo(new Asha.Job(2, 2, 0, 9));
        assertThat(h.next(true)).isEqualTo(new Asha.Job(3, 0, 0, 1));
        // the last bracket's trials run to the end: never stopped early once they report at 9 epochs
        h.report(new Asha.Job(2, 2, 0, 9), 0.5);
        assertThat(h.stoppedEarly(2)).isFalse();
        assertThat(h.stoppedEarly(1)).isTrue();
    }

    @Test
    void rungsNeedARange() {
        assertThatThrownBy(() -> new Asha(4, 2, 2, false, true)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Asha.rungsBelow(1, 4, 4)).containsExactly(1);
        assertThat(Asha.rungsBelow(3, 3, 2)).isEmpty();
        assertThat(new Asha(3, 3, 2, false, true).rungs()).containsExactly(List.of(3));
    }
}
