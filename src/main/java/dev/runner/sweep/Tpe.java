package dev.runner.sweep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.special.Erf;

/**
 * The tree-structured Parzen estimator (TPE; Bergstra et al. 2011, "Algorithms for Hyper-Parameter Optimization"),
 * as Optuna's {@code TPESampler} does it with its defaults (optuna/samplers/_tpe/sampler.py and
 * parzen_estimator.py): independent per parameter, {@code n_startup_trials = 10} random trials first,
 * {@code n_ei_candidates = 24}, {@code gamma(n) = min(ceil(0.1 n), 25)} trials in the good group,
 * {@code weights(n)} = ones below 25 observations and a ramp from 1/n to 1 for all but the newest 25 above, a prior
 * (mean the middle of the range, sigma its width, weight 1.0), the "magic clip" (sigmas at least
 * {@code range / min(100, n + 2)}) and no endpoints in the sigmas.
 *
 * <p>For each parameter the observations are split into the best {@code gamma(n)} ("below", density l) and the rest
 * (g); 24 candidates are drawn from l and the one with the largest {@code l(x) / g(x)} is taken. Finished trials rank
 * by their value; pruned ones (as Optuna's) after all finished ones, by the highest rung reached, then their value
 * there. Log-uniform parameters are modelled in log space; integers as reals over {@code [low - 0.5, high + 0.5]},
 * rounded (Optuna uses a discretised normal there); choices by Optuna's categorical estimator (each observation
 * adds weight 1 to its choice over a prior spread evenly).
 *
 * <p>Seeded: the draw for trial {@code t} uses a generator seeded by {@code (seed, t)} alone, so the same
 * observations give the same suggestion whatever happened before (which is what a resumed sweep relies on).
 */
public final class Tpe {
    public static final int N_STARTUP_TRIALS = 10;
    public static final int N_EI_CANDIDATES = 24;
    static final double PRIOR_WEIGHT = 1.0;

    public enum Kind { UNIFORM, LOG_UNIFORM, INT_UNIFORM, CHOICE }

    /** One parameter: a range {@code [low, high]}, or {@code choices} choices (then low and high are unused). */
    public record Param(Kind kind, double low, double high, int choices) {
        public static Param choice(int n) {
            return new Param(Kind.CHOICE, 0, n - 1, n);
        }

        /** The internal range: log for log-uniform, widened by a half for integers. */
        double lo() {
            return kind == Kind.LOG_UNIFORM ? Math.log(low) : kind == Kind.INT_UNIFORM ? low - 0.5 : low;
        }

        double hi() {
            return kind == Kind.LOG_UNIFORM ? Math.log(high) : kind == Kind.INT_UNIFORM ? high + 0.5 : high;
        }

        double toInternal(double x) {
            return kind == Kind.LOG_UNIFORM ? Math.log(x) : x;
        }

        double toExternal(double x) {
            return switch (kind) {
                case LOG_UNIFORM -> Math.min(high, Math.max(low, Math.exp(x)));
                case INT_UNIFORM -> Math.min(high, Math.max(low, Math.rint(x)));
                default -> x;
            };
        }
    }

    /**
     * One earlier trial: its parameter values (a choice as its index), whether it finished (else it was pruned at
     * {@code rung}), and its value (NaN: failed, ranked last).
     */
    public record Observation(int trial, double[] x, boolean finished, int rung, double value) {
    }

    private final List<Param> params;
    private final long seed;
    private final boolean maximize;

    public Tpe(List<Param> params, long seed, boolean maximize) {
        this.params = List.copyOf(params);
        this.seed = seed;
        this.maximize = maximize;
    }

    /** Parameter values for trial {@code trial}, given the observations of the trials that ended before it. */
    public double[] suggest(int trial, List<Observation> observations) {
        Random rng = new Random(seed * 0x9E3779B97F4A7C15L + trial);
        double[] out = new double[params.size()];
        if (observations.size() < N_STARTUP_TRIALS) {
            for (int i = 0; i < params.size(); i++) {
                out[i] = random(params.get(i), rng);
            }
            return out;
        }
        List<Observation> ranked = rank(observations);
        int nBelow = gamma(ranked.size());
        List<Observation> below = byTrial(ranked.subList(0, nBelow));
        List<Observation> above = byTrial(ranked.subList(nBelow, ranked.size()));
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            Estimator l = new Estimator(p, values(below, i));
            Estimator g = new Estimator(p, values(above, i));
            double bestX = Double.NaN;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < N_EI_CANDIDATES; c++) {
                double x = l.sample(rng);
                double score = l.logPdf(x) - g.logPdf(x);
                if (score > bestScore) {
                    bestScore = score;
                    bestX = x;
                }
            }
            out[i] = p.kind() == Kind.CHOICE ? bestX : p.toExternal(bestX);
        }
        return out;
    }

    /** A uniform draw (in log space for log-uniform, over the integers for int_uniform). */
    static double random(Param p, Random rng) {
        return switch (p.kind()) {
            case CHOICE -> rng.nextInt(p.choices());
            case INT_UNIFORM -> p.low() + rng.nextInt((int) (p.high() - p.low()) + 1);
            case LOG_UNIFORM -> Math.exp(Math.log(p.low()) + rng.nextDouble() * (Math.log(p.high())
                    - Math.log(p.low())));
            case UNIFORM -> p.low() + rng.nextDouble() * (p.high() - p.low());
        };
    }

    /** Optuna's default_gamma: how many of n observations form the good group. */
    static int gamma(int n) {
        return Math.min((int) Math.ceil(0.1 * n), 25);
    }

    /** Optuna's default_weights for n observations in trial order. */
    static double[] weights(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = n < 25 || i >= n - 25 ? 1.0 : 1.0 / n + (1.0 - 1.0 / n) * (n - 25 == 1 ? 0 : i / (double) (n - 26));
        }
        return w;
    }

    /** Finished trials by value (best first), then pruned ones by rung (highest first) and value, failed last. */
    private List<Observation> rank(List<Observation> obs) {
        Comparator<Double> value = (a, b) -> {
            boolean na = Double.isNaN(a);
            boolean nb = Double.isNaN(b);
            if (na || nb) return na == nb ? 0 : na ? 1 : -1;
            return maximize ? Double.compare(b, a) : Double.compare(a, b);
        };
        List<Observation> out = new ArrayList<>(obs);
        out.sort(Comparator.comparing((Observation o) -> o.finished() ? 0 : 1)
                .thenComparing(o -> o.finished() ? 0 : -o.rung())
                .thenComparing(Observation::value, value)
                .thenComparingInt(Observation::trial));
        return out;
    }

    private static List<Observation> byTrial(List<Observation> obs) {
        List<Observation> out = new ArrayList<>(obs);
        out.sort(Comparator.comparingInt(Observation::trial));
        return out;
    }

    private double[] values(List<Observation> obs, int i) {
        double[] v = new double[obs.size()];
        for (int k = 0; k < v.length; k++) {
            double x = obs.get(k).x()[i];
            v[k] = params.get(i).kind() == Kind.CHOICE ? x : params.get(i).toInternal(x);
        }
        return v;
    }

    /** One parameter's Parzen estimator over some observations, with the prior: a mixture of truncated normals. */
    static final class Estimator {
        final Param p;
        final double[] weights;
        final double[] mus;
        final double[] sigmas;
        /** Categorical: per component, the probability of each choice. */
        final double[][] table;

        Estimator(Param p, double[] obs) {
            this.p = p;
            int n = obs.length;
            double[] w = new double[n + 1];
            System.arraycopy(weights(n), 0, w, 0, n);
            w[n] = PRIOR_WEIGHT;
            double sum = 0;
            for (double x : w) sum += x;
            for (int i = 0; i <= n; i++) w[i] /= sum;
            this.weights = w;
            if (p.kind() == Kind.CHOICE) {
                int c = p.choices();
                table = new double[n + 1][c];
                for (int i = 0; i <= n; i++) {
                    java.util.Arrays.fill(table[i], PRIOR_WEIGHT / (n + 1));
                    if (i < n) table[i][(int) obs[i]] += 1;
                    double s = 0;
                    for (double x : table[i]) s += x;
                    for (int j = 0; j < c; j++) table[i][j] /= s;
                }
                mus = null;
                sigmas = null;
                return;
            }
            table = null;
            double low = p.lo();
            double high = p.hi();
            double prior = 0.5 * (low + high);
            // sigmas: the larger gap to a neighbour among the sorted observations and the prior's mean
            double[] withPrior = java.util.Arrays.copyOf(obs, n + 1);
            withPrior[n] = prior;
            Integer[] order = new Integer[n + 1];
            for (int i = 0; i <= n; i++) order[i] = i;
            java.util.Arrays.sort(order, Comparator.comparingDouble(i -> withPrior[i]));
            double[] sorted = new double[n + 3];
            sorted[0] = low;
            for (int i = 0; i <= n; i++) sorted[i + 1] = withPrior[order[i]];
            sorted[n + 2] = high;
            double[] sortedSigma = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                sortedSigma[i] = Math.max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
            }
            if (n + 3 >= 4) {          // consider_endpoints = False
                sortedSigma[0] = sorted[2] - sorted[1];
                sortedSigma[n] = sorted[n + 1] - sorted[n];
            }
            double maxSigma = high - low;
            double minSigma = (high - low) / Math.min(100.0, 1.0 + n + 1);
            double[] s = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                s[order[i]] = Math.min(maxSigma, Math.max(minSigma, sortedSigma[i]));
            }
            mus = withPrior;
            s[n] = high - low;      // the prior's own sigma
            sigmas = s;
        }

        double sample(Random rng) {
            double u = rng.nextDouble();
            int k = 0;
            for (double acc = weights[0]; acc < u && k < weights.length - 1; acc += weights[++k]) {
                // pick the component
            }
            if (table != null) {
                double v = rng.nextDouble();
                double acc = 0;
                for (int j = 0; j < table[k].length; j++) {
                    acc += table[k][j];
                    if (v < acc) return j;
                }
                return table[k].length - 1;
            }
            double a = cdf((p.lo() - mus[k]) / sigmas[k]);
            double b = cdf((p.hi() - mus[k]) / sigmas[k]);
            double q = a + rng.nextDouble() * (b - a);
            q = Math.min(Math.max(q, 1e-300), 1 - 1e-16);
            double x = mus[k] + sigmas[k] * Math.sqrt(2) * Erf.erfInv(2 * q - 1);
            return Math.min(p.hi(), Math.max(p.lo(), x));
        }

        double logPdf(double x) {
            double sum = 0;
            for (int k = 0; k < weights.length; k++) {
                if (table != null) {
                    sum += weights[k] * table[k][(int) x];
                    continue;
                }
                double z = (x - mus[k]) / sigmas[k];
                double mass = cdf((p.hi() - mus[k]) / sigmas[k]) - cdf((p.lo() - mus[k]) / sigmas[k]);
                sum += weights[k] * Math.exp(-0.5 * z * z) / (Math.sqrt(2 * Math.PI) * sigmas[k] * Math.max(mass,
                        1e-12));
            }
            return Math.log(Math.max(sum, 1e-300));
        }

        private static double cdf(double z) {
            return 0.5 * (1 + Erf.erf(z / Math.sqrt(2)));
        }
    }
}
