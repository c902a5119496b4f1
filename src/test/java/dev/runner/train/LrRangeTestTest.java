package dev.runner.train;

import dev.runner.results.RunReader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.runner.spec.CheckpointSpec;
import dev.runner.spec.EvaluateSpec;
import dev.runner.spec.Experiment;
import dev.runner.spec.LrRangeTestSpec;
import dev.runner.spec.OptimizerSpec;
import dev.runner.spec.ScheduleSpec;

class LrRangeTestTest {
    @TempDir
    Path root;

    @Test
    void expAndLinearSequencesMatchTheClosedForm() {
        Schedules.Range exp = LrRangeTest.schedule(new LrRangeTestSpec(1e-7, 1, 300, "exp", 0.05, 5));
        assertThat(exp.valueAt(0, 0)).isEqualTo(1e-7);
        assertThat(exp.valueAt(299, 0)).isCloseTo(1.0, within(1e-15));
        assertThat(exp.valueAt(150, 0)).isCloseTo(1e-7 * Math.pow(1e7, 150.0 / 299), within(1e-18));
        assertThat(exp.valueAt(100, 0) / exp.valueAt(99, 0)).isCloseTo(Math.pow(1e7, 1.0 / 299), within(1e-12));
        Schedules.Range lin = LrRangeTest.schedule(new LrRangeTestSpec(0.01, 1.01, 101, "linear", 0.05, 5));
        assertThat(lin.valueAt(0, 0)).isEqualTo(0.01);
        assertThat(lin.valueAt(50, 0)).isCloseTo(0.51, within(1e-15));
        assertThat(lin.valueAt(100, 0)).isCloseTo(1.01, within(1e-15));
    }

    @Test
    void smoothingAndDivergenceStop() {
        LrRangeTest.Recorder r = new LrRangeTest.Recorder(0.5, 2);
        double[] losses = {4, 2, 2, 1, 10, 1};
        int stoppedAt = -1;
        for (int i = 0; i < losses.length; i++) {
            if (r.add(0.1 * (i + 1), losses[i])) {
                stoppedAt = i;
                break;
            }
        }
        // s = 4, 3, 2.5, 1.75, 5.875 > 2 * 1.75
        assertThat(r.smoothed).containsExactly(4.0, 3.0, 2.5, 1.75, 5.875);
        assertThat(r.loss).containsExactly(4.0, 2.0, 2.0, 1.0, 10.0);
        assertThat(stoppedAt).isEqualTo(4);
        assertThat(r.diverged()).isTrue();
        assertThat(r.divergedAt).isEqualTo(4);
        assertThat(r.divergedLr).isCloseTo(0.5, within(1e-15));

        LrRangeTest.Recorder nan = new LrRangeTest.Recorder(0.05, 5);
        assertThat(nan.add(1, 2.0)).isFalse();
        assertThat(nan.add(2, Double.NaN)).isTrue();
        assertThat(nan.loss).containsExactly(2.0);
        assertThat(nan.divergedAt).isEqualTo(1);

        LrRangeTest.Recorder calm = new LrRangeTest.Recorder(0.05, 5);
        for (int i = 0; i < 50; i++) {
            assertThat(calm.add(i, 3 - i * 0.01)).isFalse();
        }
        assertThat(calm.diverged()).isFalse();
    }

    static List<Double> lrs(int n) {
        List<Double> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Math.pow(10, -5 + i * 0.2));
        }
        return l;
    }

    @Test
    void steepestIgnoresTheFirstTenAndLastFivePoints() {
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            losses.add(i == 0 ? 3.0 : i == 1 ? 2.0 : i < 15 ? 1.0 : i == 15 ? 0.8 : i == 16 ? 0.5 : 0.4);
        }
        losses.set(27, 0.0);          // a steeper drop among the last five: ignored
        LrRangeTest.Suggestion s = LrRangeTest.steepest(lrs(30), losses);
        // central differences: 14 -> -0.1, 15 -> -0.25, 16 -> -0.2
        assertThat(s.iteration()).isEqualTo(15);
        assertThat(s.lr()).isEqualTo(lrs(30).get(15));
        assertThat(s.name()).isEqualTo("steepest");
    }

    @Test
    void minDiv10TakesTheMinimumsLearningRateOverTen() {
        List<Double> losses = List.of(3.0, 2.5, 2.0, 1.2, 0.9, 1.1, 0.9, 4.0);
        LrRangeTest.Suggestion s = LrRangeTest.minDiv10(lrs(8), losses);
        assertThat(s.iteration()).isEqualTo(4);                 // the first minimum
        assertThat(s.lr()).isCloseTo(lrs(8).get(4) / 10, within(1e-18));
    }

    @Test
    void valleyIsFastaisRule() {
        // considered: the first 8 points (the last 5 are dropped); longest decreasing run 5,4,3,2,1 (0..5)
        List<Double> losses = List.of(5.0, 4.0, 6.0, 3.0, 2.0, 1.0, 7.0, 8.0, 9.0, 9.0, 9.0, 9.0, 9.0);
        LrRangeTest.Suggestion s = LrRangeTest.valley(lrs(13), losses, 0);
        // sections = 5/3; idx = 0 + int(1.67) + int(0.83) = 1
        assertThat(s.iteration()).isEqualTo(1);
        assertThat(s.lr()).isEqualTo(lrs(13).get(1));

        // a long clean descent from point 10 (skipped: the first plannedIterations/10 = 10) to 39, then a rise
        List<Double> curve = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            curve.add(i < 10 ? 0.1 : i < 40 ? 3.0 - 0.05 * (i - 10) : 3.0 + i);
        }
        LrRangeTest.Suggestion v = LrRangeTest.valley(lrs(50), curve, 100);
        // considered 10..44: the run starts at 10 (lds counts 30 points, 10..39): max_end 29, max_start -1 + ...
        // fastai: max_start = max_end - lds = 29 - 30 = -1; sections = 10; idx = -1 + 10 + 5 = 14 -> point 24
        assertThat(v.iteration()).isEqualTo(24);
    }

    static Experiment rangeExp(String name, double endLr, int iterations) {
        OptimizerSpec opt = new OptimizerSpec("sgd", Double.NaN, name, 0.9, 0, false, 0, 0.9, 0.999, 1e-8);
        return new Experiment(name, "", 42, null, null, opt, new ScheduleSpec.Constant(), 1,
                new LrRangeTestSpec(1e-4, endLr, iterations, "exp", 0.05, 5), new EvaluateSpec(false, true), null,
                new CheckpointSpec(1), null, null, null, Map.of(), "auto", "fp32");
    }

    LrRangeTest.Result runRange(Experiment e, TinyData data) {
        Optimizers.Plan plan = LrRangeTest.plan(e);
        TinyNet net = TinyNet.create(e.seed(), plan.updater(), plan.coupledWeightDecay());
        return LrRangeTest.run(e, net, data, new Trainer.Options().recorder(dev.runner.results.FolderRecorder.under(root, "", null))
                .terminal(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .interactive(false));
    }

    @Test
    void aRangeTestWritesItsJsonAndIsFoundForFromRangeTest() throws Exception {
        TinyData data = new TinyData(90, 30, 16, 7);
        LrRangeTest.Result r = runRange(rangeExp("tiny_lrfind", 1e4, 40), data);  // spans several epochs
        assertThat(r.status()).isEqualTo("completed");
        JsonNode n = new ObjectMapper().readTree(r.folder().resolve("lr_range_test.json").toFile());
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("name", "status", "error", "mode", "start_lr", "end_lr",
                "iterations_planned", "smooth", "diverge", "iterations", "lr", "loss", "smoothed_loss", "diverged",
                "diverged_at", "suggestions", "default", "suggested_lr");
        int it = n.get("iterations").asInt();
        assertThat(n.get("lr")).hasSize(it);
        assertThat(n.get("loss")).hasSize(it);
        assertThat(n.get("smoothed_loss")).hasSize(it);
        assertThat(n.get("lr").get(0).asDouble()).isEqualTo(1e-4);
        // lr up to 1e4 with momentum: the loss blows up before the end
        assertThat(n.get("diverged").asBoolean()).isTrue();
        assertThat(it).isLessThan(40);
        assertThat(n.get("diverged_at").get("iteration").asInt()).isEqualTo(it - 1);
        assertThat(n.get("suggestions").has("steepest")).isTrue();
        assertThat(n.get("suggestions").has("min_div_10")).isTrue();
        assertThat(n.get("suggestions").has("valley")).isTrue();
        assertThat(n.get("default").asText()).isEqualTo("steepest");
        assertThat(n.get("suggested_lr").asDouble()).isEqualTo(r.chosen().lr())
                .isEqualTo(n.get("suggestions").get("steepest").get("lr").asDouble());
        assertThat(Files.readString(r.folder().resolve("log.txt"))).contains("Suggested learning rate: ");

        RunReader.FoundLr found = RunReader.newestRangeTest(root, "tiny_lrfind").orElseThrow();
        assertThat(found.folder()).isEqualTo(r.folder());
        assertThat(found.lr()).isEqualTo(r.chosen().lr());
        assertThat(found.suggestion()).isEqualTo("steepest");
    }

    static void fakeRun(Path dir, String status, Double lr) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("lr_range_test.json"), "{\"status\": \"" + status + "\", \"default\": \"valley\","
                + " \"suggested_lr\": " + lr + "}");
    }

    @Test
    void fromRangeTestResolutionTakesTheNewestCompletedRun() throws Exception {
        assertThat(RunReader.newestRangeTest(root, "absent")).isEmpty();
        Path d = root.resolve("find");
        fakeRun(d.resolve("20261127-100000"), "completed", 0.001);
        fakeRun(d.resolve("20261127-100000-9"), "completed", 0.009);
        fakeRun(d.resolve("20261127-100000-10"), "completed", 0.01);
        fakeRun(d.resolve("20261127-110000"), "failed", null);
        fakeRun(d.resolve("20261127-120000"), "interrupted", null);
        RunReader.FoundLr f = RunReader.newestRangeTest(root, "find").orElseThrow();
        assertThat(f.folder()).isEqualTo(d.resolve("20261127-100000-10"));
        assertThat(f.lr()).isEqualTo(0.01);

        Path only = root.resolve("onlyfailed");
        fakeRun(only.resolve("20261127-100000"), "failed", null);
        assertThat(RunReader.newestRangeTest(root, "onlyfailed")).isEmpty();
    }
}
