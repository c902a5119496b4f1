package dev.runner.train;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import dev.runner.spec.ScheduleSpec;

/**
 * Learning-rate schedules as DL4J {@link ISchedule}s, stepped every iteration. DL4J calls
 * {@code valueAt(iteration, epoch)} with the iteration count before the step, from 0; only the iteration is used
 * (epoch-valued settings are converted to iterations with the iterations per epoch), so a resumed network, which
 * keeps its iteration count, continues on the same curve.
 *
 * <p>Every schedule is a bean with public fields and a no-arg constructor, so DL4J's JSON configuration and
 * {@code ModelSerializer} round-trip it.
 */
public final class Schedules {
    private Schedules() {
    }

    /**
     * The schedule for {@code spec}.
     *
     * @param baseLr        the optimizer's lr (the peak / start of every schedule but piecewise, whose points are
     *                      absolute)
     * @param itersPerEpoch optimizer steps per epoch
     * @param epochs        epochs of the whole run, possibly fractional (cosine's default T_max is all iterations)
     */
    public static ISchedule of(ScheduleSpec spec, double baseLr, int itersPerEpoch, double epochs) {
        if (itersPerEpoch <= 0) {
            throw new IllegalArgumentException("iterations per epoch must be positive, got " + itersPerEpoch);
        }
        return build(spec == null ? new ScheduleSpec.Constant() : spec, baseLr, itersPerEpoch,
                Math.ceil(itersPerEpoch * epochs - 1e-9));
    }

    private static ISchedule build(ScheduleSpec spec, double baseLr, int ipe, double totalIters) {
        if (spec instanceof ScheduleSpec.Constant) {
            return new Constant(baseLr);
        } else if (spec instanceof ScheduleSpec.Cosine c) {
            double tMax = c.epochs() == null ? totalIters : c.epochs() * ipe;
            if (tMax <= 0) {
                throw new IllegalArgumentException("cosine: T_max must be positive, got " + tMax + " iterations");
            }
            return new Cosine(baseLr, c.etaMin(), tMax);
        } else if (spec instanceof ScheduleSpec.Step s) {
            if (s.every() <= 0) {
                throw new IllegalArgumentException("step: every must be positive, got " + s.every());
            }
            return new Step(baseLr, s.gamma(), s.every() * ipe);
        } else if (spec instanceof ScheduleSpec.MultiStep m) {
            long[] at = m.at().stream().mapToLong(e -> Math.round(e * ipe)).sorted().toArray();
            return new MultiStep(baseLr, m.gamma(), at);
        } else if (spec instanceof ScheduleSpec.Exponential e) {
            return new Exponential(baseLr, e.gamma(), ipe);
        } else if (spec instanceof ScheduleSpec.Piecewise p) {
            List<double[]> pts = p.points();
            if (pts.isEmpty()) {
                throw new IllegalArgumentException("piecewise: at least one point is needed");
            }
            double[] xs = new double[pts.size()];
            double[] ys = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                xs[i] = pts.get(i)[0] * ipe;
                ys[i] = pts.get(i)[1];
                if (i > 0 && xs[i] < xs[i - 1]) {
                    throw new IllegalArgumentException("piecewise: epochs must not decrease");
                }
            }
            return new Piecewise(xs, ys);
        } else if (spec instanceof ScheduleSpec.LinearWarmup w) {
            long warm = Math.round(w.epochs() * ipe);
            ScheduleSpec then = w.then() == null ? new ScheduleSpec.Constant() : w.then();
            return new LinearWarmup(baseLr, w.startFactor(), warm, build(then, baseLr, ipe, totalIters - warm));
        }
        throw new IllegalArgumentException("unknown schedule " + spec);
    }

    /** A constant learning rate. */
    public record Constant(double lr) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            return lr;
        }

        @Override
        public ISchedule clone() {
            return this;
        }
    }

    /** CosineAnnealingLR's closed form: {@code etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2}. */
    public record Cosine(double base, double etaMin, double tMax) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * iteration / tMax)) / 2;
        }

        @Override
        public ISchedule clone() {
            return this;
        }
    }

    /** {@code base * gamma^floor(t / stepIters)}. */
    public record Step(double base, double gamma, double stepIters) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            return base * Math.pow(gamma, Math.floor(iteration / stepIters + 1e-9));
        }

        @Override
        public ISchedule clone() {
            return this;
        }
    }

    /** {@code base * gamma^(number of milestones <= t)}, milestones in iterations. */
    public static final class MultiStep implements ISchedule {
        public double base;
        public double gamma;
        public long[] milestones;

        public MultiStep() {
        }

        public MultiStep(double base, double gamma, long[] milestones) {
            this.base = base;
            this.gamma = gamma;
            this.milestones = milestones;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            int passed = 0;
            for (long m : milestones) {
                if (m <= iteration) {
                    passed++;
                }
            }
            return base * Math.pow(gamma, passed);
        }

        @Override
        public ISchedule clone() {
            return new MultiStep(base, gamma, milestones.clone());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MultiStep m && m.base == base && m.gamma == gamma
                    && Arrays.equals(m.milestones, milestones);
        }

        @Override
        public int hashCode() {
            return Objects.hash(base, gamma, Arrays.hashCode(milestones));
        }

        @Override
        public String toString() {
            return "MultiStep(base=" + base + ", gamma=" + gamma + ", at=" + Arrays.toString(milestones) + ")";
        }
    }

    /** {@code base * gamma^(t / itersPerEpoch)}: gamma per epoch, smooth per iteration. */
    public record Exponential(double base, double gamma, int itersPerEpoch) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            return base * Math.pow(gamma, (double) iteration / itersPerEpoch);
        }

        @Override
        public ISchedule clone() {
            return this;
        }
    }

    /** Linear between (iteration, lr) points; the first value before the first point, the last after the last. */
    public static final class Piecewise implements ISchedule {
        public double[] xs;
        public double[] ys;

        public Piecewise() {
        }

        public Piecewise(double[] xs, double[] ys) {
            this.xs = xs;
            this.ys = ys;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            if (iteration <= xs[0]) {
                return ys[0];
            }
            for (int i = 1; i < xs.length; i++) {
                if (iteration <= xs[i]) {
                    double span = xs[i] - xs[i - 1];
                    if (span == 0) {
                        return ys[i];
                    }
                    return ys[i - 1] + (ys[i] - ys[i - 1]) * (iteration - xs[i - 1]) / span;
                }
            }
            return ys[ys.length - 1];
        }

        @Override
        public ISchedule clone() {
            return new Piecewise(xs.clone(), ys.clone());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Piecewise p && Arrays.equals(p.xs, xs) && Arrays.equals(p.ys, ys);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(xs), Arrays.hashCode(ys));
        }

        @Override
        public String toString() {
            return "Piecewise(xs=" + Arrays.toString(xs) + ", ys=" + Arrays.toString(ys) + ")";
        }
    }

    /**
     * {@code base * (startFactor + (1 - startFactor) * t / warmIters)} for {@code t < warmIters} (torch's LinearLR
     * stepped per iteration), then {@code then} shifted to start at 0.
     */
    public record LinearWarmup(double base, double startFactor, long warmIters, ISchedule then) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            if (iteration < warmIters) {
                return base * (startFactor + (1 - startFactor) * iteration / warmIters);
            }
            return then.valueAt((int) (iteration - warmIters), epoch);
        }

        @Override
        public ISchedule clone() {
            return new LinearWarmup(base, startFactor, warmIters, then.clone());
        }
    }

    /**
     * An LR range test's rise from {@code start} to {@code end} over {@code iterations} steps, both ends included:
     * {@code start * (end/start)^(t/(n-1))} ({@code exponential}) or {@code start + (end-start) * t/(n-1)};
     * {@code end} after the last step.
     */
    public record Range(double start, double end, int iterations, boolean exponential) implements ISchedule {
        @Override
        public double valueAt(int iteration, int epoch) {
            if (iterations <= 1) {
                return start;
            }
            double f = Math.min(1.0, (double) iteration / (iterations - 1));
            return exponential ? start * Math.pow(end / start, f) : start + (end - start) * f;
        }

        @Override
        public ISchedule clone() {
            return this;
        }
    }
}
