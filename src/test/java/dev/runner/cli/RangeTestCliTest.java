package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lr_range_test} runs and {@code lr: {from_range_test: NAME}} through the CLI. */
class RangeTestCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path lrfind;
    static Path uses;

    @BeforeAll
    static void files() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 12, 4);
        lrfind = Cli.write(tmp.resolve("exp/lrfind.yaml"), Cli.tinyYaml("lrfind", images, 1,
                "lr_range_test: {start_lr: 1e-5, end_lr: 1, iterations: 20}\n"));
        uses = Cli.write(tmp.resolve("exp/uses.yaml"), Cli.tinyYaml("uses", images, 1, "")
                .replace("{sgd: {lr: 0.05, momentum: 0.9}}", "{sgd: {lr: {from_range_test: lrfind}, momentum: 0.9}}"));
    }

    static Cli.Out run(Path file, Path results) {
        return Cli.run("run", file.toString(), "--results", results.toString(), "--data-root", tmp.toString());
    }

    /** Checks {@code uses}' run under {@code results}: it trained with {@code lr}, recorded as from {@code from}. */
    static void assertTrainedWith(Path results, double lr, Path from, String suggestion) {
        Path run = Cli.onlyRun(results, "uses");
        JsonNode m = Cli.json(run.resolve("metrics.json"));
        assertThat(m.get("status").asText()).isEqualTo("completed");
        for (JsonNode x : m.get("iterations").get("lr")) {
            assertThat(x.asDouble()).isEqualTo(lr);        // constant schedule
        }
        JsonNode p = Cli.json(run.resolve("provenance.json")).get("lr_from_range_test");
        assertThat(p).as("provenance.json lr_from_range_test").isNotNull();
        assertThat(p.get("experiment").asText()).isEqualTo("lrfind");
        assertThat(Path.of(p.get("run").asText())).isEqualTo(from.toAbsolutePath());
        assertThat(p.get("suggestion").asText()).isEqualTo(suggestion);
        assertThat(p.get("lr").asDouble()).isEqualTo(lr);
    }

    @Test
    void aRangeTestWritesItsJsonAndChartAndALaterRunTakesItsSuggestion() throws Exception {
        Path results = tmp.resolve("present");
        Cli.Out r = run(lrfind, results);
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains("Suggested learning rate: ");
        Path test = Cli.onlyRun(results, "lrfind");
        JsonNode j = Cli.json(test.resolve("lr_range_test.json"));
        assertThat(j.get("status").asText()).isEqualTo("completed");
        assertThat(j.get("iterations_planned").asInt()).isEqualTo(20);
        int n = j.get("iterations").asInt();
        assertThat(n).isBetween(10, 20);
        assertThat(j.get("lr")).hasSize(n);
        assertThat(j.get("loss")).hasSize(n);
        assertThat(j.get("lr").get(0).asDouble()).isEqualTo(1e-5);
        assertThat(j.get("default").asText()).isEqualTo("steepest");
        double suggested = j.get("suggested_lr").asDouble();
        assertThat(suggested).isEqualTo(j.get("suggestions").get("steepest").get("lr").asDouble())
                .isBetween(1e-5, 1.0);
        Cli.assertPicture(test.resolve("lr_range_test.png"));
        assertThat(test.resolve("loss.png")).doesNotExist();

        Cli.Out u = run(uses, results);
        assertThat(u.code()).as("%s", u).isZero();
        assertThat(Cli.runs(results, "lrfind")).as("no second range test").hasSize(1);
        assertTrainedWith(results, suggested, test, "steepest");
    }

    @Test
    void withoutACompletedRangeTestTheNamedFileBesideIsRunFirst() {
        Path results = tmp.resolve("absent");
        Cli.Out u = run(uses, results);
        assertThat(u.code()).as("%s", u).isZero();
        assertThat(u.out()).contains("No completed range test of lrfind yet: running " + lrfind.toAbsolutePath());
        Path test = Cli.onlyRun(results, "lrfind");
        JsonNode j = Cli.json(test.resolve("lr_range_test.json"));
        assertThat(j.get("status").asText()).isEqualTo("completed");
        assertTrainedWith(results, j.get("suggested_lr").asDouble(), test, "steepest");
    }

    @Test
    void failedAndInterruptedRangeTestsAreSkipped() throws Exception {
        Path results = tmp.resolve("failed");
        Path completed = craft(results, "20200101-000000", "completed", 0.0123);
        craft(results, "20200101-000000-2", "failed", 0.5);
        craft(results, "20200101-000001", "interrupted", 0.25);
        craft(results, "20200102-000000", "running", 0.125);
        Cli.Out u = run(uses, results);
        assertThat(u.code()).as("%s", u).isZero();
        assertThat(Cli.runs(results, "lrfind")).as("no new range test").hasSize(4);
        assertTrainedWith(results, 0.0123, completed, "valley");
    }

    @Test
    void withNoRangeTestAndNoFileToRunItIsOneLineExitOne() {
        Path alone = Cli.write(tmp.resolve("alone/uses.yaml"), Cli.tinyYaml("uses", images, 1, "")
                .replace("{sgd: {lr: 0.05, momentum: 0.9}}", "{sgd: {lr: {from_range_test: nosuch}}}"));
        Path results = tmp.resolve("none");
        Cli.Out u = run(alone, results);
        assertThat(u.code()).as("%s", u).isEqualTo(1);
        assertThat(u.errLines()).hasSize(1);
        assertThat(u.err()).contains("from_range_test: nosuch").contains("nosuch.yaml");
        Cli.assertNoStackTrace(u.err());
        assertThat(results.resolve("uses")).doesNotExist();
    }

    /**
     * An lr-from-range-test run stopped after epoch 1 (the test's stop request stands in for Ctrl-C): exit 130,
     * {@code lr_from_range_test} already in provenance.json while training (a killed run can be resumed too), and
     * {@code run --resume} ends with the metrics of an uninterrupted run.
     */
    @Test
    void anInterruptedRunWithAnLrFromARangeTestResumesWithTheSameLr() throws Exception {
        Path results = tmp.resolve("resume");
        Path completed = craft(results, "20200101-000000", "completed", 0.0123);
        AtomicReference<JsonNode> duringTraining = new AtomicReference<>();
        Cli.Out first = Cli.run(Invocation.of("run", uses.toString(), "--set", "epochs=2", "--results",
                results.toString(), "--data-root", tmp.toString()).withTrainer((opts, stop) -> opts.onEpoch(
                (epoch, metrics) -> {
                    duringTraining.set(Cli.json(Cli.onlyRun(results, "uses").resolve("provenance.json")));
                    if (epoch == 1) {
                        stop.request("stopped by the test");
                    }
                })));
        assertThat(first.code()).as("%s", first).isEqualTo(130);
        Path run = Cli.onlyRun(results, "uses");
        assertThat(first.out()).contains("Interrupted: stopped by the test").contains("--resume")
                .contains("Results: " + run);
        assertThat(duringTraining.get().get("lr_from_range_test")).as("provenance.json while training").isNotNull();
        assertThat(duringTraining.get().get("lr_from_range_test").get("lr").asDouble()).isEqualTo(0.0123);
        JsonNode m = Cli.json(run.resolve("metrics.json"));
        assertThat(m.get("status").asText()).isEqualTo("interrupted");
        assertThat(m.get("error").asText()).startsWith("stopped by the test");
        assertThat(m.get("epochs")).hasSize(1);
        assertThat(run.resolve("checkpoint")).isDirectory();

        Cli.Out resumed = Cli.run("run", "--resume", run.toString(), "--data-root", tmp.toString());
        assertThat(resumed.code()).as("%s", resumed).isZero();
        assertTrainedWith(results, 0.0123, completed, "valley");
        JsonNode done = Cli.json(run.resolve("metrics.json"));
        assertThat(done.get("epochs")).hasSize(2);

        Path other = tmp.resolve("resume-uninterrupted");
        craft(other, "20200101-000000", "completed", 0.0123);
        Cli.Out whole = Cli.run("run", uses.toString(), "--set", "epochs=2", "--results", other.toString(),
                "--data-root", tmp.toString());
        assertThat(whole.code()).as("%s", whole).isZero();
        assertThat(RunCliTest.withoutSeconds(done))
                .isEqualTo(RunCliTest.withoutSeconds(Cli.json(Cli.onlyRun(other, "uses").resolve("metrics.json"))));
    }

    static Path craft(Path results, String runId, String status, double lr) throws Exception {
        Path dir = Files.createDirectories(results.resolve("lrfind").resolve(runId));
        Files.writeString(dir.resolve("lr_range_test.json"), "{\"name\": \"lrfind\", \"status\": \"" + status
                + "\", \"error\": " + (status.equals("completed") ? "null" : "\"crafted\"")
                + ", \"default\": \"valley\", \"suggested_lr\": " + lr + "}\n");
        Files.writeString(dir.resolve("metrics.json"), "{\"name\": \"lrfind\", \"status\": \"" + status + "\"}\n");
        return dir;
    }

}
