package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.data.LoadedData;
import dev.runner.model.CompileOptions;
import dev.runner.model.Network;
import dev.runner.train.Metrics;
import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import dev.runner.spec.SpecWriter;
import dev.runner.train.Checkpoint;
import dev.runner.train.Optimizers;
import dev.runner.train.StopSignal;
import dev.runner.train.Trainer;
import dev.runner.train.TrainingData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner run} end to end on a tiny generated image folder: the results folder, determinism, resume, NaN. */
class RunCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path results;
    static Path file;
    static Cli.Out runA;
    static Cli.Out runB;

    static String[] args(String... a) {
        List<String> l = new ArrayList<>(Arrays.asList(a));
        l.addAll(List.of("--results", results.toString(), "--data-root", tmp.toString()));
        return l.toArray(String[]::new);
    }

    @BeforeAll
    static void twoRuns() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 12, 4);
        results = tmp.resolve("results");
        file = Cli.write(tmp.resolve("exp/tiny.yaml"), Cli.tinyYaml("tiny", images, 2,
                "evaluate: {train: true}\nvisualize: {feature_maps: {layers: [conv1], images: 2}}\n"));
        runA = Cli.run(args("run", file.toString()));
        runB = Cli.run(args(file.toString()));       // no subcommand: the same as run
    }

    static Path folderOf(Cli.Out out) {
        Matcher m = Pattern.compile("(?m)^Results: (\\S+)").matcher(out.out());
        assertThat(m.find()).as("a Results: line in\n%s", out).isTrue();
        return Path.of(m.group(1));
    }

    @Test
    void runWritesACompleteResultsFolder() throws Exception {
        assertThat(runA.code()).as("%s", runA).isZero();
        assertThat(runA.err()).isEmpty();
        List<Path> runs = Cli.runs(results, "tiny");
        assertThat(runs).hasSize(2);
        Path run = folderOf(runA);
        assertThat(runs).contains(run);

        // experiment.yaml is the resolved experiment and loads again
        Experiment again = ExperimentLoader.load(run.resolve("experiment.yaml"), List.of());
        assertThat(again.name()).isEqualTo("tiny");
        assertThat(again.epochCount()).isEqualTo(2);
        assertThat(again.seed()).isEqualTo(7);
        assertThat(again.evaluate().train()).isTrue();
        assertThat(again.visualize().featureMapLayers()).containsExactly("conv1");

        // metrics.json: docs/results.md's schema, keys in order
        JsonNode m = Cli.json(run.resolve("metrics.json"));
        assertThat(fieldNames(m)).containsExactly("name", "status", "error", "epochs_planned",
                "iterations_per_epoch", "classes", "epochs", "iterations", "final");
        assertThat(m.get("name").asText()).isEqualTo("tiny");
        assertThat(m.get("status").asText()).isEqualTo("completed");
        assertThat(m.get("error").isNull()).isTrue();
        assertThat(m.get("epochs_planned").asInt()).isEqualTo(2);
        assertThat(m.get("iterations_per_epoch").asInt()).isEqualTo(6);     // 36 images, batch 6
        assertThat(texts(m.get("classes"))).containsExactly("blue", "green", "red");
        assertThat(m.get("epochs")).hasSize(2);
        for (int e = 0; e < 2; e++) {
            JsonNode ep = m.get("epochs").get(e);
            assertThat(fieldNames(ep)).containsExactly("epoch", "train_loss", "test_loss", "test_accuracy",
                    "train_accuracy", "lr", "seconds");
            assertThat(ep.get("epoch").asInt()).isEqualTo(e + 1);
            assertThat(ep.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(ep.get("train_loss").asDouble()).isPositive();
            assertThat(ep.get("lr").asDouble()).isEqualTo(0.05);
            assertThat(ep.get("seconds").asDouble()).isPositive();
        }
        assertThat(fieldNames(m.get("iterations"))).containsExactly("loss", "lr");
        assertThat(m.get("iterations").get("loss")).hasSize(12);
        assertThat(m.get("iterations").get("lr")).hasSize(12);
        JsonNode fin = m.get("final");
        assertThat(fieldNames(fin)).containsExactly("test_accuracy", "train_accuracy", "per_class_accuracy",
                "train_per_class_accuracy", "confusion_matrix");
        double acc = fin.get("test_accuracy").asDouble();
        assertThat(acc).as("the classes are colours: a tiny net learns them").isGreaterThan(0.5);
        assertThat(fin.get("train_accuracy").isNumber()).isTrue();
        assertThat(fieldNames(fin.get("per_class_accuracy"))).containsExactly("blue", "green", "red");
        assertThat(fieldNames(fin.get("train_per_class_accuracy"))).containsExactly("blue", "green", "red");
        JsonNode cm = fin.get("confusion_matrix");
        assertThat(cm).hasSize(3);
        long total = 0;
        long diagonal = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(cm.get(i)).hasSize(3);
            long row = 0;
            for (int j = 0; j < 3; j++) {
                row += cm.get(i).get(j).asLong();
            }
            assertThat(row).as("row %d: 4 test images of each class", i).isEqualTo(4);
            total += row;
            diagonal += cm.get(i).get(i).asLong();
            assertThat(fin.get("per_class_accuracy").get(Cli.CLASSES.get(i)).asDouble())
                    .isEqualTo(cm.get(i).get(i).asDouble() / 4);
        }
        assertThat(acc).isEqualTo((double) diagonal / total);
        assertThat(m.get("epochs").get(1).get("test_accuracy").asDouble()).isEqualTo(acc);

        // provenance.json: seed, every data file with its SHA-256, the command line
        JsonNode p = Cli.json(run.resolve("provenance.json"));
        assertThat(p.get("seed").asLong()).isEqualTo(7);
        assertThat(p.get("data_files")).hasSize(48);
        for (JsonNode f : p.get("data_files")) {
            Path df = Path.of(f.get("path").asText());
            assertThat(df).startsWith(images).isRegularFile();
            assertThat(f.get("sha256").asText()).isEqualTo(sha256(df));
        }
        assertThat(texts(p.get("command_line"))).containsExactly("run", file.toString(), "--results",
                results.toString(), "--data-root", tmp.toString());
        assertThat(p.get("end_time").isTextual()).isTrue();
        if (dev.runner.model.onednn.OneDnnStep.unavailable() == null) {
            // on the oneDNN engine, the primitives that ran slow generic code: none for this network
            assertThat(p.get("slow_kernels")).as("slow_kernels").isNotNull().isEmpty();
        }
        assertThat(p.get("engine").get("engine").asText()).isEqualTo("onednn");
        assertThat(p.get("engine").get("device").asText()).isEqualTo("cpu");
        assertThat(p.get("engine").get("why").asText()).isEqualTo("auto: the oneDNN step on the CPU");

        // summary.txt is check's table; log.txt has the lab report's accuracy lines
        assertThat(Files.readString(run.resolve("summary.txt"))).contains("conv1").contains("fc1")
                .containsPattern("total trainable parameters \\(5 layers\\) +223");
        String log = Files.readString(run.resolve("log.txt"));
        long percent = (long) Math.floor(100 * acc + 1e-9);
        assertThat(log).contains("Accuracy of the network on the 12 test images: " + percent + " %");
        for (int i = 0; i < 3; i++) {
            String c = Cli.CLASSES.get(i);
            long pc = 100 * cm.get(i).get(i).asLong() / 4;
            assertThat(log).contains(String.format("Accuracy of %5s : %2d %%", c, pc));
        }
        assertThat(runA.out()).contains("Accuracy of the network on the 12 test images: " + percent + " %");
        assertThat(run.resolve("model.zip")).isRegularFile();
        assertThat(org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(run.resolve("model.zip").toFile(),
                true).numParams()).isEqualTo(223);
        assertThat(run.resolve("checkpoint")).doesNotExist();

        for (String png : List.of("loss.png", "accuracy.png", "lr.png", "per_class_accuracy.png",
                "confusion_matrix.png", "feature_maps_conv1.png")) {
            Cli.assertPicture(run.resolve(png));
        }
    }

    @Test
    void runnerFileWithoutASubcommandIsRun() throws Exception {
        assertThat(runB.code()).as("%s", runB).isZero();
        Path b = folderOf(runB);
        assertThat(b.getParent()).isEqualTo(results.resolve("tiny"));
        assertThat(Cli.json(b.resolve("metrics.json")).get("status").asText()).isEqualTo("completed");
        assertThat(Cli.json(b.resolve("provenance.json")).get("command_line").get(0).asText())
                .isEqualTo(file.toString());
        assertThat(fileNames(b)).isEqualTo(fileNames(folderOf(runA)));
    }

    @Test
    void twoRunsWithTheSameSeedDifferOnlyInTimingsAndProvenance() throws Exception {
        Path a = folderOf(runA);
        Path b = folderOf(runB);
        assertThat(a).isNotEqualTo(b);
        assertThat(fileNames(b)).isEqualTo(fileNames(a));
        List<String> differ = new ArrayList<>();
        for (String f : fileNames(a)) {
            if (!Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)))) {
                differ.add(f);
            }
        }
        // model.zip: the same entries with the same bytes, and (since the entries carry no time) the same file
        assertThat(zipEntries(b.resolve("model.zip"))).isEqualTo(zipEntries(a.resolve("model.zip")));
        assertThat(differ).as("files that differ").isSubsetOf("metrics.json", "provenance.json", "log.txt");
        assertThat(withoutSeconds(Cli.json(a.resolve("metrics.json"))))
                .isEqualTo(withoutSeconds(Cli.json(b.resolve("metrics.json"))));
        assertThat(withoutTimings(Files.readString(b.resolve("log.txt")), b))
                .isEqualTo(withoutTimings(Files.readString(a.resolve("log.txt")), a));
    }

    @Test
    void aNanLossFailsTheRunWithExitOneAndKeepsTheFolder() throws Exception {
        Cli.Out r = Cli.run(args("run", file.toString(), "--set", "optimizer.sgd.lr=1e30", "--set", "name=nan"));
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        Path run = Cli.onlyRun(results, "nan");
        JsonNode m = Cli.json(run.resolve("metrics.json"));
        assertThat(m.get("status").asText()).isEqualTo("failed");
        String error = m.get("error").asText();
        assertThat(error).containsPattern("loss is (NaN|Infinity|-Infinity) at epoch 1, iteration \\d+")
                .doesNotContain("\n");
        assertThat(m.get("final").isNull()).isTrue();
        assertThat(Files.readString(run.resolve("log.txt"))).contains("FAILED: " + error);
        assertThat(r.out()).contains("FAILED: " + error);
        assertThat(run.resolve("experiment.yaml")).isRegularFile();
        assertThat(run.resolve("model.zip")).doesNotExist();
        Cli.assertNoStackTrace(r.err());
    }

    /**
     * The CLI has no stop seam, so the interrupted part runs the trainer directly, wired as RunCommand wires it,
     * and stopped in the middle of epoch 2; {@code runner run --resume FOLDER} finishes it.
     */
    @Test
    void resumeViaTheCliEndsWithTheMetricsOfAnUninterruptedRun() throws Exception {
        Experiment exp = Pipeline.load(file, List.of("name=resumed"));
        LoadedData data = Pipeline.data(exp, tmp.toString(), new PrintStream(new ByteArrayOutputStream()));
        TrainingData td = Pipeline.trainingData(exp, data, CompileOptions.DEFAULT_LAYOUT);
        Optimizers.Plan plan = Trainer.plan(exp, td.iterationsPerEpoch());
        Network net = Pipeline.compile(exp, plan);
        StopSignal stop = new StopSignal();
        net.graph().addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (iteration == 7) {
                    stop.request("stopped by the test");
                }
            }
        });
        Trainer.Result first = Trainer.run(exp, net, td, new Trainer.Options()
                .recorder(dev.runner.results.FolderRecorder.under(results, SpecWriter.toYaml(exp.resolved()),
                        Pipeline.provenance(exp, data, tmp.toString(), List.of("test"))))
                .summaryText(Pipeline.table(net, exp.data().batchSize())).commandLine(List.of("test"))
                .terminal(new PrintStream(new ByteArrayOutputStream())).stop(stop));
        assertThat(first.status()).isEqualTo("interrupted");
        assertThat(Checkpoint.readState(first.folder()).batchesDone()).isEqualTo(2);   // 8 = 6 + 2
        assertThat(Cli.json(first.folder().resolve("metrics.json")).get("status").asText())
                .isEqualTo("interrupted");

        Cli.Out r = Cli.run("run", "--resume", first.folder().toString(), "--data-root", tmp.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains("Resuming resumed at epoch 2, iteration 8");
        JsonNode resumed = Cli.json(first.folder().resolve("metrics.json"));
        assertThat(resumed.get("status").asText()).isEqualTo("completed");
        JsonNode uninterrupted = Cli.json(folderOf(runA).resolve("metrics.json"));
        ((ObjectNode) uninterrupted).put("name", "resumed");
        assertThat(withoutSeconds(resumed)).isEqualTo(withoutSeconds(uninterrupted));
        assertThat(first.folder().resolve("checkpoint")).doesNotExist();
        assertThat(first.folder().resolve("model.zip")).isRegularFile();
        Cli.assertPicture(first.folder().resolve("feature_maps_conv1.png"));
        assertThat(Cli.json(first.folder().resolve("provenance.json")).get("resumes")).hasSize(1);

        // a completed run cannot be resumed again: one line, exit 1
        Cli.Out again = Cli.run("run", "--resume", first.folder().toString(), "--data-root", tmp.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.errLines()).hasSize(1);
        assertThat(again.err()).contains(first.folder().toString());
        Cli.assertNoStackTrace(again.err());
    }

    @Test
    void diffComparesTwoRunsInEveryFormat() throws Exception {
        Cli.Out c = Cli.run(args("run", file.toString(), "--set", "optimizer.sgd.lr=0.02", "--set", "name=slow"));
        assertThat(c.code()).as("%s", c).isZero();
        Path a = folderOf(runA);
        Path s = folderOf(c);

        Cli.Out text = Cli.run("diff", a.toString(), s.toString());
        assertThat(text.code()).as("%s", text).isZero();
        assertThat(text.out()).contains("optimizer.sgd.lr").contains("0.05").contains("0.02");
        Cli.Out md = Cli.run("diff", a.toString(), s.toString(), "--format", "markdown");
        assertThat(md.code()).isZero();
        assertThat(md.out()).contains("|").contains("optimizer.sgd.lr");
        Cli.Out json = Cli.run("diff", a.toString(), s.toString(), "--format", "json");
        assertThat(json.code()).isZero();
        JsonNode j = Cli.JSON.readTree(json.out());
        assertThat(j.toString()).contains("optimizer.sgd.lr");

        // names mean their newest run under --results
        Cli.Out byName = Cli.run("diff", "tiny", "slow", "--results", results.toString());
        assertThat(byName.code()).as("%s", byName).isZero();
        assertThat(byName.out()).contains("optimizer.sgd.lr");

        Path png = tmp.resolve("diff.png");
        Cli.Out plot = Cli.run("diff", a.toString(), s.toString(), "--plot", png.toString());
        assertThat(plot.code()).isZero();
        Cli.assertPicture(png);

        Cli.Out notAFolder = Cli.run("diff", a.toString(), images.toString());
        assertThat(notAFolder.code()).isNotZero();
        assertThat(notAFolder.errLines()).hasSize(1);
        assertThat(notAFolder.err()).contains(images.toString());
        Cli.assertNoStackTrace(notAFolder.err());

        Cli.Out yaml = Cli.run("diff", a.toString(), file.toString());
        assertThat(yaml.code()).isEqualTo(1);
        assertThat(yaml.errLines()).containsExactly("runner: " + file + ": not a results folder");

        Cli.Out badFormat = Cli.run("diff", a.toString(), s.toString(), "--format", "html");
        assertThat(badFormat.code()).isEqualTo(2);
        assertThat(badFormat.errLines()).hasSize(1);

        // report
        Path report = Files.createDirectories(tmp.resolve("reports")).resolve("report.md");
        Cli.Out rep = Cli.run("report", a.toString(), s.toString(), "-o", report.toString());
        assertThat(rep.code()).as("%s", rep).isZero();
        String md2 = Files.readString(report);
        for (Path run : List.of(a, s)) {
            double acc = Cli.json(run.resolve("metrics.json")).get("final").get("test_accuracy").asDouble();
            assertThat(md2).contains("Accuracy of the network on the 12 test images: "
                    + (long) Math.floor(100 * acc + 1e-9) + " %");
        }
        Matcher link = Pattern.compile("\\]\\(([^)\\s]+)\\)").matcher(md2);
        int links = 0;
        while (link.find()) {
            String target = link.group(1);
            if (target.startsWith("#") || target.matches("^[a-z]+:.*")) {
                continue;
            }
            links++;
            assertThat(report.getParent().resolve(target.replace("%20", " ")).normalize())
                    .as("link %s", target).exists();
        }
        assertThat(links).as("relative links in the report").isGreaterThanOrEqualTo(2);
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> l = new ArrayList<>();
        n.fieldNames().forEachRemaining(l::add);
        return l;
    }

    static List<String> texts(JsonNode n) {
        List<String> l = new ArrayList<>();
        n.forEach(x -> l.add(x.asText()));
        return l;
    }

    static TreeSet<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    static JsonNode withoutSeconds(JsonNode metrics) {
        JsonNode copy = metrics.deepCopy();
        copy.get("epochs").forEach(e -> ((ObjectNode) e).remove("seconds"));
        return copy;
    }

    /** log.txt without what may differ between identical runs: wall times, images/s and the run folder's path. */
    static String withoutTimings(String log, Path folder) {
        return log.replace(folder.toString(), "FOLDER")
                .replaceAll("\\d+(\\.\\d+)? s  \\(\\d+ img/s\\)", "T");
    }

    /** A zip's entries: name to content (hex, so that equality is by value). */
    static Map<String, String> zipEntries(Path zip) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                m.put(e.getName(), java.util.HexFormat.of().formatHex(in.readAllBytes()));
            }
        }
        assertThat(m).isNotEmpty();
        return m;
    }

    static String sha256(Path f) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(f)));
    }
}
