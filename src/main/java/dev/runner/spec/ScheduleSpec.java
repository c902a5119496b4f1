package dev.runner.spec;

import java.util.List;

/**
 * The {@code schedule:} section: the learning rate as a function of the iteration, stepped every iteration.
 * Epoch-valued fields may be fractional.
 */
public sealed interface ScheduleSpec {
    record Constant() implements ScheduleSpec {}

    /** CosineAnnealingLR; {@code epochs} null = the whole run (T_max = all iterations). */
    record Cosine(double etaMin, Double epochs) implements ScheduleSpec {}

    /** lr * gamma^floor(epoch / every). */
    record Step(double every, double gamma) implements ScheduleSpec {}

    /** lr * gamma^(number of milestones passed). */
    record MultiStep(List<Double> at, double gamma) implements ScheduleSpec {}

    /** lr * gamma^epoch (fractional epochs, i.e. smooth per iteration). */
    record Exponential(double gamma) implements ScheduleSpec {}

    /** Linear between (epoch, lr) points; constant after the last one. */
    record Piecewise(List<double[]> points) implements ScheduleSpec {
        @Override
        public boolean equals(Object o) {
            return o instanceof Piecewise p && java.util.Arrays.deepEquals(points.toArray(), p.points.toArray());
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.deepHashCode(points.toArray());
        }
    }

    /** Linear from {@code startFactor * lr} to lr over {@code epochs}, then {@code then} (shifted to start there). */
    record LinearWarmup(double epochs, double startFactor, ScheduleSpec then) implements ScheduleSpec {}
}
