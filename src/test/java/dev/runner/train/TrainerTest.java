package dev.runner.train;

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
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.runner.train.Metrics;
import dev.runner.spec.CheckpointSpec;
import dev.runner.spec.EvaluateSpec;
import dev.runner.spec.Experiment;
import dev.runner.spec.OptimizerSpec;
import dev.runner.spec.ScheduleSpec;

class TrainerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path root;

    final TinyData data = new TinyData(90, 30, 16, 7);      // 6 iterations per epoch, the last one of 10

    static Experiment exp(String name, double epochs, double lr, boolean evalTrain, int every) {
        OptimizerSpec opt = new OptimizerSpec("sgd", lr, null, 0.9, 0, false, 1e-3, 0.9, 0.999, 1e-8);
        return new Experiment(name, "", 42, null, null, opt, new ScheduleSpec.Cosine(0, null), epochs, null,
                new EvaluateSpec(evalTrain, true), null, new CheckpointSpec(every), null, null, null, Map.of(), "auto", "fp32");
    }

    TinyNet compile(Experiment e) {
        Optimizers.Plan plan = Trainer.plan(e, data.iterationsPerEpoch());
        return TinyNet.create(e.seed(), plan.updater(), plan.coupledWeightDecay());
    }

    Trainer.Options options(ByteArrayOutputStream out) {
        return new Trainer.Options().recorder(dev.runner.results.FolderRecorder.under(root, "name: x\n", null)).summaryText("the network table")
                .terminal(new PrintStream(out, true, StandardCharsets.UTF_8)).interactive(false);
    }

    Trainer.Result train(Experiment e) {
        return Trainer.run(e, compile(e), data, options(new ByteArrayOutputStream()));
    }

    @Test
    void aFractionalEpochCountEndsTheLastEpochEarly() throws Exception {
        Experiment e = exp("frac", 1.5, 0.05, false, 1);       // ceil(1.5 x 6) = 9 steps: 6, then 3
        assertThat(e.epochCount()).isEqualTo(2);
        assertThat(e.steps(6)).isEqualTo(9);
        assertThat(exp("x", 9.9, 0.05, false, 1).steps(48)).isEqualTo(476);   // ceil(475.2)
        Trainer.Result r = train(e);
        assertThat(r.status()).isEqualTo(Metrics.COMPLETED);
        JsonNode m = JSON.readTree(r.folder().resolve("metrics.json").toFile());
        assertThat(m.get("epochs_planned").asInt()).isEqualTo(2);
        assertThat(m.get("epochs")).hasSize(2);
        JsonNode lrs = m.get("iterations").get("lr");
        assertThat(lrs).hasSize(9);
        for (int i = 0; i < 9; i++) {     // the cosine spans the 9 steps the run makes
            assertThat(lrs.get(i).asDouble()).isCloseTo(0.05 * (1 + Math.cos(Math.PI * i / 9)) / 2, within(1e-15));
        }
    }

    @Test
    void completedRunWritesTheFolderAndMetricsInTheDocumentedSchema() throws Exception {
        Experiment e = exp("tiny", 3, 0.05, true, 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Trainer.Result r = Trainer.run(e, compile(e), data, options(out));

        assertThat(r.status()).isEqualTo(Metrics.COMPLETED);
        assertThat(r.exitCode()).isZero();
        Path f = r.folder();
        assertThat(f.getParent()).isEqualTo(root.resolve("tiny"));
        assertThat(f.getFileName().toString()).matches("\\d{8}-\\d{6}");
        try (Stream<Path> s = Files.list(f)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("experiment.yaml",
                    "metrics.json", "provenance.json", "summary.txt", "log.txt", "model.zip", "lock");
        }
        assertThat(Files.readString(f.resolve("experiment.yaml"))).isEqualTo("name: x\n");

        JsonNode m = JSON.readTree(f.resolve("metrics.json").toFile());
        assertThat(fieldNames(m)).containsExactly("name", "status", "error", "epochs_planned",
                "iterations_per_epoch", "classes", "epochs", "iterations", "final");
        assertThat(m.get("name").asText()).isEqualTo("tiny");
        assertThat(m.get("status").asText()).isEqualTo("completed");
        assertThat(m.get("error").isNull()).isTrue();
        assertThat(m.get("epochs_planned").asInt()).isEqualTo(3);
        assertThat(m.get("iterations_per_epoch").asInt()).isEqualTo(6);
        assertThat(m.get("classes").toString()).isEqualTo("[\"plane\",\"car\",\"bird\"]");
        assertThat(m.get("epochs")).hasSize(3);
        JsonNode losses = m.get("iterations").get("loss");
        JsonNode lrs = m.get("iterations").get("lr");
        assertThat(fieldNames(m.get("iterations"))).containsExactly("loss", "lr");
        assertThat(losses).hasSize(18);
        assertThat(lrs).hasSize(18);
        for (int i = 0; i < 18; i++) {     // cosine over all 18 iterations
            assertThat(lrs.get(i).asDouble()).isCloseTo(0.05 * (1 + Math.cos(Math.PI * i / 18)) / 2, within(1e-15));
        }
        for (int ep = 0; ep < 3; ep++) {
            JsonNode en = m.get("epochs").get(ep);
            assertThat(fieldNames(en)).containsExactly("epoch", "train_loss", "test_loss", "test_accuracy",
                    "train_accuracy", "lr", "seconds");
            assertThat(en.get("epoch").asInt()).isEqualTo(ep + 1);
            double mean = 0;
            for (int i = 0; i < 6; i++) {
                mean += losses.get(ep * 6 + i).asDouble();
            }
            assertThat(en.get("train_loss").asDouble()).isCloseTo(mean / 6, within(1e-12));
            assertThat(en.get("lr").asDouble()).isEqualTo(lrs.get(ep * 6).asDouble());
            assertThat(en.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(en.get("train_accuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(en.get("seconds").asDouble()).isPositive();
        }
        JsonNode fin = m.get("final");
        assertThat(fieldNames(fin)).containsExactly("test_accuracy", "train_accuracy", "per_class_accuracy",
                "train_per_class_accuracy", "confusion_matrix");
        assertThat(fin.get("test_accuracy").asDouble()).isEqualTo(m.get("epochs").get(2).get("test_accuracy")
                .asDouble()).isGreaterThan(0.6);   // the clusters are easy: well above chance (1/3)
        assertThat(fieldNames(fin.get("per_class_accuracy"))).containsExactly("plane", "car", "bird");
        assertThat(fieldNames(fin.get("train_per_class_accuracy"))).containsExactly("plane", "car", "bird");
        long total = 0;
        long diag = 0;
        for (int i = 0; i < 3; i++) {
            long row = 0;
            for (int j = 0; j < 3; j++) {
                row += fin.get("confusion_matrix").get(i).get(j).asLong();
            }
            assertThat(row).isEqualTo(10);        // 10 test examples per class
            assertThat(fin.get("per_class_accuracy").get(data.classes().get(i)).asDouble())
                    .isEqualTo(fin.get("confusion_matrix").get(i).get(i).asLong() / 10.0);
            total += row;
            diag += fin.get("confusion_matrix").get(i).get(i).asLong();
        }
        assertThat(total).isEqualTo(30);
        assertThat(fin.get("test_accuracy").asDouble()).isEqualTo(diag / 30.0);

        String printed = out.toString(StandardCharsets.UTF_8);
        String log = Files.readString(f.resolve("log.txt"));
        List<String> summary = AccuracyLines.summaryLines(data.classes(), r.metrics().fin.confusionMatrix());
        assertThat(summary.get(0)).isEqualTo("Accuracy of the network on the 30 test images: "
                + (100 * diag / 30) + " %");
        for (String line : summary) {
            assertThat(printed).contains(line);
            assertThat(log).contains(line);
        }
        assertThat(log).contains("the network table").contains("epoch 1/3  train_loss").contains("epoch 3/3");
        assertThat(printed.lines().filter(l -> l.startsWith("epoch "))).hasSize(3);
        assertThat(Files.readString(f.resolve("summary.txt"))).startsWith("the network table\n\n")
                .contains(summary.get(0)).contains(summary.get(3));
        JsonNode prov = JSON.readTree(f.resolve("provenance.json").toFile());
        assertThat(prov.get("seed").asLong()).isEqualTo(42);
        assertThat(prov.get("end_time").isNull()).isFalse();
    }

    @Test
    void finishingSeesTheFinalFiguresAndModelBeforeTheRunSaysCompleted() throws Exception {
        Experiment e = exp("finishing", 2, 0.05, true, 1);
        List<String> seen = new java.util.ArrayList<>();
        Trainer.Result r = Trainer.run(e, compile(e), data, options(new ByteArrayOutputStream()).finishing(f -> {
            Metrics m = Metrics.read(f.resolve("metrics.json"));
            seen.add(m.status + " " + (m.fin != null) + " " + m.epochs.size() + " "
                    + Files.exists(f.resolve("model.zip")));
        }));
        assertThat(r.status()).isEqualTo(Metrics.COMPLETED);
        assertThat(seen).containsExactly("running true 2 true");

        Trainer.Result failed = Trainer.run(exp("nan2", 2, 1e30, false, 1), compile(exp("nan2", 2, 1e30, false, 1)),
                data, options(new ByteArrayOutputStream()).finishing(f -> seen.add("failed run finished")));
        assertThat(failed.status()).isEqualTo(Metrics.FAILED);
        assertThat(seen).hasSize(1);
    }

    @Test
    void withoutTrainEvaluationTrainAccuracyIsLeftOutAndNull() throws Exception {
        Experiment e = exp("notrain", 1, 0.05, false, 1);
        TrainingData adapted = TrainingData.of(data.classes(), data.iterationsPerEpoch(), data::train, data::test,
                () -> {
                    throw new AssertionError("train accuracy must not be measured");
                });
        Trainer.Result r = Trainer.run(e, compile(e), adapted, options(new ByteArrayOutputStream()));
        assertThat(r.status()).isEqualTo(Metrics.COMPLETED);
        JsonNode m = JSON.readTree(r.folder().resolve("metrics.json").toFile());
        assertThat(fieldNames(m.get("epochs").get(0))).containsExactly("epoch", "train_loss", "test_loss",
                "test_accuracy", "lr", "seconds");
        assertThat(m.get("final").get("train_accuracy").isNull()).isTrue();
        assertThat(m.get("final").get("train_per_class_accuracy").isNull()).isTrue();
    }

    @Test
    void summaryLinesAreTheReportsFormat() {
        long[][] cm = {{7, 2, 1}, {0, 10, 0}, {1, 1, 3}};
        assertThat(AccuracyLines.summaryLines(List.of("plane", "car", "bird"), cm)).containsExactly(
                "Accuracy of the network on the 25 test images: 80 %",
                "Accuracy of plane : 70 %",
                "Accuracy of   car : 100 %",
                "Accuracy of  bird : 60 %");
        // whole percents rounded down as 100 * correct // total: 2/3 -> 66
        assertThat(AccuracyLines.summaryLines(List.of("a", "b"), new long[][] {{2, 1}, {0, 0}})).containsExactly(
                "Accuracy of the network on the 3 test images: 66 %",
                "Accuracy of     a : 66 %",
                "Accuracy of     b : no test images");     // no images: no accuracy (metrics.json: null)
    }

    @Test
    void sameSeedGivesIdenticalMetricsApartFromSeconds() {
        Metrics a = train(exp("det", 2, 0.05, true, 1)).metrics();
        Metrics b = train(exp("det", 2, 0.05, true, 1)).metrics();
        assertSameApartFromSeconds(a, b);
    }

    @Test
    void hugeLearningRateFailsWithAClearMessageAndKeepsTheFolder() throws Exception {
        Trainer.Result r = train(exp("nan", 2, 1e30, false, 1));
        assertThat(r.status()).isEqualTo(Metrics.FAILED);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.error()).containsPattern("loss is (NaN|Infinity|-Infinity) at epoch 1, iteration \\d+")
                .contains("diverged");
        Metrics m = Metrics.read(r.folder().resolve("metrics.json"));
        assertThat(m.status).isEqualTo("failed");
        assertThat(m.error).isEqualTo(r.error());
        assertThat(m.fin).isNull();
        assertThat(Files.readString(r.folder().resolve("log.txt"))).contains("FAILED: " + r.error());
        assertThat(Files.exists(r.folder().resolve("model.zip"))).isFalse();
    }

    @Test
    void resumingAfterAStopAtTheEndOfEpochOneGivesTheSameFinalMetrics() throws Exception {
        Experiment e = exp("resume", 2, 0.05, true, 1);
        Metrics uninterrupted = train(e).metrics();

        StopSignal stop = new StopSignal();
        Trainer.Result first = Trainer.run(e, compile(e), data, options(new ByteArrayOutputStream()).stop(stop)
                .onEpoch((ep, m) -> {
                    if (ep == 1) {
                        stop.request("stopped by the test");
                    }
                }));
        assertThat(first.status()).isEqualTo(Metrics.INTERRUPTED);
        assertThat(first.exitCode()).isEqualTo(130);
        assertThat(first.error()).startsWith("stopped by the test at epoch 2, iteration 6").contains("--resume");
        Metrics onDisk = Metrics.read(first.folder().resolve("metrics.json"));
        assertThat(onDisk.status).isEqualTo("interrupted");
        assertThat(onDisk.epochs).hasSize(1);
        assertThat(Checkpoint.exists(first.folder())).isTrue();
        assertThat(Checkpoint.readState(first.folder())).isEqualTo(new Checkpoint.State(1, 0, 6, 42, 0));

        Trainer.Result resumed = resume(e, first.folder());
        assertThat(resumed.status()).isEqualTo(Metrics.COMPLETED);
        assertThat(resumed.folder()).isEqualTo(first.folder());
        assertSameApartFromSeconds(uninterrupted, Metrics.read(first.folder().resolve("metrics.json")));
        assertThat(Checkpoint.exists(first.folder())).isFalse();
        assertThat(Files.exists(first.folder().resolve("checkpoint"))).isFalse();
        assertThat(Files.readString(first.folder().resolve("log.txt"))).contains("Interrupted: ")
                .contains("Resuming resume at epoch 2, iteration 6");
    }

    @Test
    void resumingAfterAStopInTheMiddleOfAnEpochGivesTheSameFinalMetrics() {
        Experiment e = exp("midepoch", 2, 0.05, false, 0);
        Metrics uninterrupted = train(e).metrics();

        StopSignal stop = new StopSignal();
        TinyNet net = compile(e);
        net.graph().addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (iteration == 8) {
                    stop.request("test stop");
                }
            }
        });
        Trainer.Result first = Trainer.run(e, net, data, options(new ByteArrayOutputStream()).stop(stop));
        assertThat(first.status()).isEqualTo(Metrics.INTERRUPTED);
        // iterationDone(8) runs inside the 9th step: stop after it, 3 batches into epoch 2
        assertThat(Checkpoint.readState(first.folder())).satisfies(s -> {
            assertThat(s.epoch()).isEqualTo(1);
            assertThat(s.batchesDone()).isEqualTo(3);
            assertThat(s.iteration()).isEqualTo(9);
        });
        assertThat(Checkpoint.readMetrics(first.folder()).iterationLoss).hasSize(9);

        Trainer.Result resumed = resume(e, first.folder());
        assertThat(resumed.status()).isEqualTo(Metrics.COMPLETED);
        assertSameApartFromSeconds(uninterrupted, resumed.metrics());
    }

    @Test
    void aCompletedRunCannotBeResumed() {
        Experiment e = exp("done", 1, 0.05, false, 1);
        Trainer.Result r = train(e);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Trainer.resume(r.folder(), e, compile(e),
                data, options(new ByteArrayOutputStream())))).isInstanceOf(dev.runner.UserError.class)
                .hasMessageContaining("completed");
    }

    Trainer.Result resume(Experiment e, Path folder) {
        TinyNet restored = new TinyNet(Checkpoint.restoreGraph(folder));
        return Trainer.resume(folder, e, restored, data, options(new ByteArrayOutputStream()));
    }

    static void assertSameApartFromSeconds(Metrics a, Metrics b) {
        assertThat(b.status).isEqualTo(a.status);
        assertThat(b.iterationLoss).isEqualTo(a.iterationLoss);
        assertThat(b.iterationLr).isEqualTo(a.iterationLr);
        assertThat(b.epochs).hasSameSizeAs(a.epochs);
        for (int i = 0; i < a.epochs.size(); i++) {
            Metrics.Epoch x = a.epochs.get(i);
            Metrics.Epoch y = b.epochs.get(i);
            assertThat(new Metrics.Epoch(y.epoch(), y.trainLoss(), y.testLoss(), y.testAccuracy(), y.trainAccuracy(),
                    y.lr(), 0)).isEqualTo(new Metrics.Epoch(x.epoch(), x.trainLoss(), x.testLoss(), x.testAccuracy(),
                    x.trainAccuracy(), x.lr(), 0));
        }
        assertThat(b.fin.testAccuracy()).isEqualTo(a.fin.testAccuracy());
        assertThat(b.fin.trainAccuracy()).isEqualTo(a.fin.trainAccuracy());
        assertThat(b.fin.perClassAccuracy()).isEqualTo(a.fin.perClassAccuracy());
        assertThat(b.fin.confusionMatrix()).isDeepEqualTo(a.fin.confusionMatrix());
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> l = new ArrayList<>();
        n.fieldNames().forEachRemaining(l::add);
        return l;
    }
}
