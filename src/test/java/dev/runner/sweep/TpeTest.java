package dev.runner.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * TPE: reproducible by seed, Optuna's gamma and weights, and better than random search on a synthetic objective with
 * the same number of trials over 30 fixed seeds (deterministic: it cannot flake).
 */
class TpeTest {
    static final List<Tpe.Param> SPACE = List.of(
            new Tpe.Param(Tpe.Kind.LOG_UNIFORM, 1e-5, 1.0, 0),
            new Tpe.Param(Tpe.Kind.UNIFORM, 0.0, 0.99, 0),
            new Tpe.Param(Tpe.Kind.INT_UNIFORM, 1, 64, 0),
            Tpe.Param.choice(3));

    /** Minimized: best at lr 3e-3, momentum 0.9, width 24, choice 1. */
    static double objective(double[] x) {
        double lr = Math.log10(x[0]) - Math.log10(3e-3);
        double m = (x[1] - 0.9) * 4;
        double w = (x[2] - 24) / 16.0;
        double c = x[3] == 1 ? 0 : 0.5;
        return lr * lr + m * m + w * w + c;
    }

    static double bestOf(Tpe tpe, int trials) {
        List<Tpe.Observation> obs = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (int t = 0; t < trials; t++) {
            double[] x = tpe.suggest(t, obs);
            double v = objective(x);
            obs.add(new Tpe.Observation(t, x, true, 0, v));
            best = Math.min(best, v);
        }
        return best;
    }

    static double randomBest(long seed, int trials) {
        Random rng = new Random(seed);
        double best = Double.POSITIVE_INFINITY;
        for (int t = 0; t < trials; t++) {
            double[] x = new double[SPACE.size()];
            for (int i = 0; i < x.length; i++) x[i] = Tpe.random(SPACE.get(i), rng);
            best = Math.min(best, objective(x));
        }
        return best;
    }

    @Test
    void betterThanRandomSearchOverManySeeds() {
        int trials = 40;
        int wins = 0;
        double tpeSum = 0;
        double randomSum = 0;
        for (long seed = 1; seed <= 30; seed++) {
            double t = bestOf(new Tpe(SPACE, seed, false), trials);
            double r = randomBest(1000 + seed, trials);
            tpeSum += t;
            randomSum += r;
            if (t < r) wins++;
        }
        System.out.printf("TPE best %.4f, random best %.4f on average; TPE better at %d of 30 seeds%n",
                tpeSum / 30, randomSum / 30, wins);
        assertThat(wins).isGreaterThanOrEqualTo(22);
        assertThat(tpeSum / 30).isLessThan(0.6 * randomSum / 30);
    }

    @Test
    void sameSeedSameTrialsAndValuesStayInTheirRanges() {
        List<Tpe.Observation> obs = new ArrayList<>();
        Tpe a = new Tpe(SPACE, 7, false);
        Tpe b = new Tpe(SPACE, 7, false);
        for (int t = 0; t < 25; t++) {
            double[] x = a.suggest(t, obs);
            assertThat(b.suggest(t, List.copyOf(obs))).containsExactly(x);
            assertThat(x[0]).isBetween(1e-5, 1.0);
            assertThat(x[1]).isBetween(0.0, 0.99);
            assertThat(x[2]).isBetween(1.0, 64.0);
            assertThat(x[2]).isEqualTo(Math.rint(x[2]));
            assertThat(x[3]).isIn(0.0, 1.0, 2.0);
            obs.add(new Tpe.Observation(t, x, true, 0, objective(x)));
        }
        assertThat(new Tpe(SPACE, 8, false).suggest(24, obs)).isNotEqualTo(a.suggest(24, obs));
    }

    @Test
    void prunedTrialsRankAfterFinishedOnesByRungThenValue() {
        // 10 pruned trials at rung 0 with excellent values and 10 finished ones: the good group (gamma(20) = 2)
        // is the best finished ones, so the suggestion lands near them, not near the pruned ones
        List<Tpe.Param> one = List.of(new Tpe.Param(Tpe.Kind.UNIFORM, 0, 1, 0));
        List<Tpe.Observation> obs = new ArrayList<>();
        for (int t = 0; t < 10; t++) {
            obs.add(new Tpe.Observation(t, new double[] {0.05 + 0.01 * t}, false, 0, -100));
        }
        for (int t = 10; t < 20; t++) {
            double x = 0.5 + 0.05 * (t - 10);
            obs.add(new Tpe.Observation(t, new double[] {x}, true, 0, Math.abs(x - 0.9)));
        }
        double s = new Tpe(one, 3, false).suggest(20, obs)[0];
        assertThat(s).isBetween(0.6, 1.0);
    }

    @Test
    void optunasGammaAndWeights() {
        assertThat(Tpe.gamma(10)).isEqualTo(1);
        assertThat(Tpe.gamma(11)).isEqualTo(2);
        assertThat(Tpe.gamma(1000)).isEqualTo(25);
        assertThat(Tpe.weights(3)).containsExactly(1, 1, 1);
        double[] w = Tpe.weights(28);        // linspace(1/28, 1, 3) then 25 ones
        assertThat(w[0]).isEqualTo(1.0 / 28, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(w[1]).isEqualTo((1.0 / 28 + 1) / 2, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(w[2]).isEqualTo(1.0);
        assertThat(w[27]).isEqualTo(1.0);
        assertThat(Tpe.weights(26)[0]).isEqualTo(1.0 / 26, org.assertj.core.api.Assertions.within(1e-12));
    }
}
