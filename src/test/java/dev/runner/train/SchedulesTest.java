package dev.runner.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import dev.runner.spec.ScheduleSpec;

/** Each schedule's value at chosen iterations; 10 iterations per epoch, 5 epochs (50 iterations) unless stated. */
class SchedulesTest {
    static final int IPE = 10;
    static final int EPOCHS = 5;

    static ISchedule of(ScheduleSpec s) {
        return Schedules.of(s, 0.1, IPE, EPOCHS);
    }

    static double at(ISchedule s, int iteration) {
        return s.valueAt(iteration, iteration / IPE);
    }

    @Test
    void constant() {
        ISchedule s = of(new ScheduleSpec.Constant());
        assertThat(at(s, 0)).isEqualTo(0.1);
        assertThat(at(s, 49)).isEqualTo(0.1);
        assertThat(at(Schedules.of(null, 0.3, IPE, EPOCHS), 7)).isEqualTo(0.3);
    }

    @Test
    void cosineOverTheWholeRunIsCosineAnnealingLrClosedForm() {
        ISchedule s = of(new ScheduleSpec.Cosine(0.001, null));
        assertThat(at(s, 0)).isEqualTo(0.1);
        assertThat(at(s, 25)).isCloseTo(0.001 + 0.099 * 0.5, within(1e-15));   // half way, T_max = 50
        assertThat(at(s, 10)).isCloseTo(0.001 + 0.099 * (1 + Math.cos(Math.PI * 10 / 50)) / 2, within(1e-15));
        assertThat(at(s, 49)).isCloseTo(0.001 + 0.099 * (1 + Math.cos(Math.PI * 49 / 50)) / 2, within(1e-15));
        assertThat(at(s, 49)).isGreaterThan(0.001).isLessThan(0.0012);
    }

    @Test
    void cosineWithEpochsOverridesTmaxAndFollowsTheClosedFormAfterIt() {
        ISchedule s = of(new ScheduleSpec.Cosine(0, 2.0));               // T_max = 20 iterations
        assertThat(at(s, 20)).isCloseTo(0, within(1e-15));
        assertThat(at(s, 10)).isCloseTo(0.05, within(1e-15));
        assertThat(at(s, 30)).isCloseTo(0.05, within(1e-15));            // closed form rises again
    }

    @Test
    void step() {
        ISchedule s = of(new ScheduleSpec.Step(2, 0.5));                  // halve every 2 epochs = 20 iterations
        assertThat(at(s, 0)).isEqualTo(0.1);
        assertThat(at(s, 19)).isEqualTo(0.1);
        assertThat(at(s, 20)).isCloseTo(0.05, within(1e-15));
        assertThat(at(s, 45)).isCloseTo(0.025, within(1e-15));
        ISchedule frac = of(new ScheduleSpec.Step(0.3, 0.5));             // every 3 iterations
        assertThat(at(frac, 2)).isEqualTo(0.1);
        assertThat(at(frac, 3)).isCloseTo(0.05, within(1e-15));
        assertThat(at(frac, 6)).isCloseTo(0.025, within(1e-15));
    }

    @Test
    void multistep() {
        ISchedule s = of(new ScheduleSpec.MultiStep(List.of(3.0, 1.0), 0.1));
        assertThat(at(s, 9)).isEqualTo(0.1);
        assertThat(at(s, 10)).isCloseTo(0.01, within(1e-15));
        assertThat(at(s, 29)).isCloseTo(0.01, within(1e-15));
        assertThat(at(s, 30)).isCloseTo(0.001, within(1e-15));
        assertThat(at(s, 49)).isCloseTo(0.001, within(1e-15));
    }

    @Test
    void exponentialIsSmoothPerIteration() {
        ISchedule s = of(new ScheduleSpec.Exponential(0.5));
        assertThat(at(s, 0)).isEqualTo(0.1);
        assertThat(at(s, 10)).isCloseTo(0.05, within(1e-15));
        assertThat(at(s, 5)).isCloseTo(0.1 * Math.sqrt(0.5), within(1e-15));
        assertThat(at(s, 30)).isCloseTo(0.0125, within(1e-15));
    }

    @Test
    void piecewiseIsLinearBetweenAbsolutePoints() {
        ISchedule s = of(new ScheduleSpec.Piecewise(List.of(new double[] {0, 0.0}, new double[] {1, 0.4},
                new double[] {4, 0.1})));
        assertThat(at(s, 0)).isEqualTo(0.0);
        assertThat(at(s, 5)).isCloseTo(0.2, within(1e-15));
        assertThat(at(s, 10)).isCloseTo(0.4, within(1e-15));
        assertThat(at(s, 25)).isCloseTo(0.25, within(1e-15));
        assertThat(at(s, 40)).isCloseTo(0.1, within(1e-15));
        assertThat(at(s, 49)).isCloseTo(0.1, within(1e-15));              // constant after the last point
    }

    @Test
    void linearWarmupThenCosineOverTheRest() {
        ISchedule s = of(new ScheduleSpec.LinearWarmup(1, 0.1, new ScheduleSpec.Cosine(0, null)));
        assertThat(at(s, 0)).isCloseTo(0.01, within(1e-15));
        assertThat(at(s, 5)).isCloseTo(0.1 * (0.1 + 0.9 * 0.5), within(1e-15));
        assertThat(at(s, 10)).isCloseTo(0.1, within(1e-15));              // cosine starts, T_max = 40
        assertThat(at(s, 30)).isCloseTo(0.05, within(1e-15));
        assertThat(at(s, 49)).isCloseTo(0.1 * (1 + Math.cos(Math.PI * 39 / 40)) / 2, within(1e-15));
    }

    @Test
    void linearWarmupThenStepShiftsTheStep() {
        ISchedule s = of(new ScheduleSpec.LinearWarmup(0.5, 0.0, new ScheduleSpec.Step(1, 0.5)));
        assertThat(at(s, 0)).isEqualTo(0.0);
        assertThat(at(s, 4)).isCloseTo(0.08, within(1e-15));
        assertThat(at(s, 5)).isCloseTo(0.1, within(1e-15));
        assertThat(at(s, 14)).isCloseTo(0.1, within(1e-15));
        assertThat(at(s, 15)).isCloseTo(0.05, within(1e-15));
    }

    @Test
    void everyScheduleRoundTripsThroughDl4jJson() throws Exception {
        ObjectMapper om = new ObjectMapper();
        List<ScheduleSpec> specs = List.of(new ScheduleSpec.Constant(), new ScheduleSpec.Cosine(0.001, null),
                new ScheduleSpec.Step(2, 0.5), new ScheduleSpec.MultiStep(List.of(1.0, 3.0), 0.1),
                new ScheduleSpec.Exponential(0.9),
                new ScheduleSpec.Piecewise(List.of(new double[] {0, 0}, new double[] {2, 0.4})),
                new ScheduleSpec.LinearWarmup(1, 0.1, new ScheduleSpec.Cosine(0, 3.0)));
        for (ScheduleSpec spec : specs) {
            ISchedule s = of(spec);
            String json = om.writeValueAsString(s);
            ISchedule back = om.readValue(json, ISchedule.class);
            assertThat(back).as(json).isEqualTo(s);
            for (int i = 0; i < 50; i += 7) {
                assertThat(at(back, i)).isEqualTo(at(s, i));
            }
        }
    }
}
