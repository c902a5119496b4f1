package dev.runner.results;

import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * The statistics of one configuration run at several seeds ({@code sweep.seeds}): mean, sample standard deviation
 * and a 95 % confidence interval of the mean (Student t with n - 1 degrees of freedom); and Welch's t-test between
 * two configurations (unequal variances, Welch-Satterthwaite degrees of freedom). Quantiles and p-values come from
 * commons-math3.
 */
public final class SeedStats {
    /** Two configurations differ significantly when Welch's two-sided p-value is below this. */
    public static final double ALPHA = 0.05;

    private SeedStats() {
    }

    /** n values' mean, standard deviation (n - 1) and 95 % interval; sd and the interval are NaN for one value. */
    public record Summary(int n, double mean, double sd, double ciLow, double ciHigh) {
        public double halfWidth() {
            return (ciHigh - ciLow) / 2;
        }

        /** {@code 61.23 ± 0.45 (95 % CI 60.67-61.79, n=3)}, values scaled by {@code scale} (100 for accuracies). */
        public String describe(double scale, int decimals) {
            String f = "%." + decimals + "f";
            if (n < 2) {
                return String.format(Locale.ROOT, f + " (n=1)", mean * scale);
            }
            return String.format(Locale.ROOT, f + " ± " + f + " (95 %% CI " + f + " to " + f + ", n=%d)",
                    mean * scale, sd * scale, ciLow * scale, ciHigh * scale, n);
        }
    }

    public static Summary of(List<Double> values) {
        int n = values.size();
        if (n == 0) {
            throw new IllegalArgumentException("no values");
        }
        double mean = 0;
        for (double v : values) mean += v;
        mean /= n;
        if (n == 1) {
            return new Summary(1, mean, Double.NaN, Double.NaN, Double.NaN);
        }
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (n - 1));
        double t = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975);
        double h = t * sd / Math.sqrt(n);
        return new Summary(n, mean, sd, mean - h, mean + h);
    }

    /** Welch's t-test of a against b: t, degrees of freedom, two-sided p; p is NaN when either has fewer than 2. */
    public record Welch(double t, double df, double p) {
        public boolean significant() {
            return p < ALPHA;
        }
    }

    public static Welch welch(List<Double> a, List<Double> b) {
        if (a.size() < 2 || b.size() < 2) {
            return new Welch(Double.NaN, Double.NaN, Double.NaN);
        }
        Summary sa = of(a);
        Summary sb = of(b);
        double va = sa.sd() * sa.sd() / sa.n();
        double vb = sb.sd() * sb.sd() / sb.n();
        if (va + vb == 0) {
            return new Welch(sa.mean() == sb.mean() ? 0 : Double.POSITIVE_INFINITY, Double.NaN,
                    sa.mean() == sb.mean() ? 1.0 : 0.0);
        }
        double t = (sa.mean() - sb.mean()) / Math.sqrt(va + vb);
        double df = (va + vb) * (va + vb) / (va * va / (sa.n() - 1) + vb * vb / (sb.n() - 1));
        double p = new TTest().tTest(toArray(a), toArray(b));
        return new Welch(t, df, p);
    }

    /**
     * In words: "A is higher than B by 1.20 points; the difference is significant (Welch's t-test, p = 0.012)" or
     * "... is not significant (p = 0.41): it may be noise at n = 3 and 3 seeds".
     */
    public static String compare(String nameA, List<Double> a, String nameB, List<Double> b, double scale,
                                 String unit) {
        Summary sa = of(a);
        Summary sb = of(b);
        double d = (sa.mean() - sb.mean()) * scale;
        String head = String.format(Locale.ROOT, "%s's mean is %s %s's by %.2f %s", nameA,
                d >= 0 ? "above" : "below", nameB, Math.abs(d), unit);
        Welch w = welch(a, b);
        if (Double.isNaN(w.p())) {
            return head + "; whether that is significant needs at least 2 seeds each (sweep.seeds)";
        }
        return head + String.format(Locale.ROOT, w.significant()
                ? "; the difference is significant (Welch's t-test, p = %.3g < %.2f)"
                : "; the difference is not significant (Welch's t-test, p = %.3g >= %.2f): it may be seed noise",
                w.p(), ALPHA) + String.format(Locale.ROOT, " [n = %d and %d]", sa.n(), sb.n());
    }

    private static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
