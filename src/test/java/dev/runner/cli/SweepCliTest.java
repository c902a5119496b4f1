package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.results.SweepFolder;
import dev.runner.train.StopSignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runner sweep} end to end on a tiny generated image folder: every trial a run folder of its own process, a
 * failing trial isolated, --resume, the table, the plot and the report; and the same on Spark local[2].
 */
class SweepCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path file;

    @BeforeAll
    static void data() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 8, 3);
        file = Cli.write(tmp.resolve("exp/tiny.yaml"), Cli.tinyYaml("tiny", images, 1, """
                sweep:
                  grid:
                    optimizer.sgd.lr: [0.05, 1e30]
                  metric: test_accuracy
                """));
    }

    static String[] args(Path results, String... a) {
        List<String> l = new ArrayList<>(Arrays.asList(a));
        l.addAll(List.of("--results", results.toString(), "--data-root", tmp.toString()));
        return l.toArray(String[]::new);
    }

    static Path sweepFolder(Path results) throws IOException {
        try (Stream<Path> s = Files.list(results.resolve("tiny"))) {
            List<Path> l = s.filter(p -> p.getFileName().toString().startsWith("sweep-")).toList();
            assertThat(l).hasSize(1);
            return l.get(0);
        }
    }

    @Test
    void everyTrialIsARunAndAFailingOneIsIsolated() throws Exception {
        Path results = tmp.resolve("r1");
        Cli.Out r = Cli.run(args(results, "sweep", file.toString(), "--workers", "2"));
        assertThat(r.code()).as("%s", r).isEqualTo(1);   // one trial failed
        Cli.assertNoStackTrace(r.err());
        Path sweep = sweepFolder(results);
        JsonNode idx = Cli.json(sweep.resolve("sweep.json"));
        assertThat(idx.get("metric").asText()).isEqualTo("test_accuracy");
        assertThat(idx.get("executor").asText()).startsWith("workers 2");
        JsonNode t1 = idx.get("trials").get(0);
        JsonNode t2 = idx.get("trials").get(1);
        assertThat(t1.get("name").asText()).isEqualTo("01_lr=0.05");
        assertThat(t1.get("status").asText()).isEqualTo("completed");
        assertThat(t1.get("metric").asDouble()).isBetween(0.0, 1.0);
        assertThat(t1.get("set").get(0).asText()).isEqualTo("optimizer.sgd.lr=0.05");
        assertThat(t2.get("name").asText()).isEqualTo("02_lr=1e30");
        assertThat(t2.get("status").asText()).isEqualTo("failed");
        assertThat(t2.get("error").asText()).containsPattern("loss is (NaN|Infinity|-Infinity) at epoch 1");
        assertThat(idx.get("best").asText()).isEqualTo("01_lr=0.05");

        // each trial an ordinary run folder: its experiment with the trial's value, loadable as is
        Path run1 = sweep.resolve("01_lr=0.05");
        for (String f : List.of("experiment.yaml", "metrics.json", "provenance.json", "summary.txt", "log.txt",
                "model.zip", "loss.png")) {
            assertThat(run1.resolve(f)).isRegularFile();
        }
        assertThat(Files.readString(run1.resolve("experiment.yaml"))).contains("lr: 0.05").doesNotContain("sweep");
        assertThat(Cli.json(sweep.resolve("02_lr=1e30/metrics.json")).get("status").asText()).isEqualTo("failed");
        assertThat(sweep.resolve("01_lr=0.05.out.txt")).isRegularFile();
        Cli.assertPicture(sweep.resolve("sweep.png"));
        assertThat(r.out()).contains("Best: 01_lr=0.05").contains("Sweep: " + sweep);

        // diff, table and report take them
        Cli.Out diff = Cli.run("diff", run1.toString(), sweep.resolve("02_lr=1e30").toString());
        assertThat(diff.code()).as("%s", diff).isZero();
        assertThat(diff.out()).contains("optimizer.sgd.lr");
        Cli.Out table = Cli.run("table", sweep.toString(), "--format", "csv");
        assertThat(table.code()).as("%s", table).isZero();
        assertThat(table.out().lines().toList()).hasSize(3);
        assertThat(table.out().lines().findFirst().orElseThrow()).startsWith("run,optimizer.sgd.lr,test_accuracy");
        assertThat(table.out().lines().skip(1).findFirst().orElseThrow()).startsWith("01_lr=0.05,0.05,");
        Path report = Files.createDirectories(tmp.resolve("report")).resolve("r.md");
        Cli.Out rep = Cli.run("report", sweep.toString(), "-o", report.toString());
        assertThat(rep.code()).as("%s", rep).isZero();
        String md = Files.readString(report);
        assertThat(md).contains("| run | optimizer.sgd.lr |").contains("| 01_lr=0.05 | 0.05 |").contains("sweep.png");
    }

    @Test
    void resumeSkipsFinishedTrialsAndResumesInterruptedOnes() throws Exception {
        Path results = tmp.resolve("r2");
        Path f = Cli.write(tmp.resolve("exp/resume.yaml"), Cli.tinyYaml("tiny", images, 2, ""));
        // stop the sweep when its first trial has ended: the others stay pending
        Cli.Out first = Cli.run(Invocation.of(args(results, "sweep", f.toString(), "--grid",
                "optimizer.sgd.lr=0.05,0.02,0.01")).withTrialEnded((t, stop) -> stop.run()));
        assertThat(first.code()).as("%s", first).isEqualTo(130);
        assertThat(first.out()).contains("continue with runner sweep --resume");
        Path sweep = sweepFolder(results);
        JsonNode idx = Cli.json(sweep.resolve("sweep.json"));
        assertThat(idx.get("trials")).extracting(t -> t.get("status").asText())
                .containsExactly("completed", "pending", "pending");
        Path done = sweep.resolve("01_lr=0.05");
        byte[] doneMetrics = Files.readAllBytes(done.resolve("metrics.json"));

        // one driver per sweep folder: a second one is refused in one line naming the holder, and changes nothing
        byte[] index = Files.readAllBytes(sweep.resolve("sweep.json"));
        Process holder = ChildJvm.start(List.of(), LockHolder.class.getName(), List.of(sweep.toString()),
                tmp.resolve("sweep-holder.out"), tmp.resolve("sweep-holder.err"));
        try {
            for (int i = 0; i < 600 && !Files.readString(tmp.resolve("sweep-holder.out")).contains("locked"); i++) {
                assertThat(holder.isAlive()).as("the lock holder died: %s",
                        Files.readString(tmp.resolve("sweep-holder.err"))).isTrue();
                Thread.sleep(50);
            }
            Cli.Out second = Cli.run("sweep", "--resume", sweep.toString(), "--data-root", tmp.toString());
            assertThat(second.code()).as("%s", second).isEqualTo(1);
            assertThat(second.errLines()).containsExactly("runner: " + sweep + " is in use by another runner process"
                    + " (pid " + holder.pid() + "); wait for it to end or stop it, one process per run");
            assertThat(Files.readAllBytes(sweep.resolve("sweep.json"))).isEqualTo(index);
        } finally {
            holder.destroyForcibly().waitFor();
        }

        // the second trial interrupted in its second epoch, with a checkpoint (as Ctrl-C leaves it)
        StopSignal stop = new StopSignal();
        Cli.Out part = Cli.run(Invocation.of("run", "--into", sweep.resolve("02_lr=0.02").toString(), "--data-root",
                tmp.toString(), sweep.resolve("02_lr=0.02.yaml").toString())
                .withTrainer((opts, s) -> opts.stop(stop).onEpoch((e, m) -> stop.request("stopped by the test"))));
        assertThat(part.code()).as("%s", part).isEqualTo(130);

        Cli.Out r = Cli.run("sweep", "--resume", sweep.toString(), "--data-root", tmp.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains("1 finished already").contains("[2/3] 02_lr=0.02: resuming")
                .contains("[3/3] 03_lr=0.01: started").doesNotContain("[1/3]");
        assertThat(Files.readAllBytes(done.resolve("metrics.json"))).isEqualTo(doneMetrics);
        idx = Cli.json(sweep.resolve("sweep.json"));
        assertThat(idx.get("trials")).extracting(t -> t.get("status").asText())
                .containsExactly("completed", "completed", "completed");
        JsonNode prov = Cli.json(sweep.resolve("02_lr=0.02/provenance.json"));
        assertThat(prov.get("resumes")).hasSize(1);
        assertThat(Files.readString(sweep.resolve("02_lr=0.02/log.txt"))).contains("Resuming tiny at epoch 2");
        assertThat(Cli.json(sweep.resolve("02_lr=0.02/metrics.json")).get("epochs")).hasSize(2);
    }

    @Test
    void aBadTrialStopsTheSweepBeforeAnythingRuns() {
        Path results = tmp.resolve("r3");
        Cli.Out r = Cli.run(args(results, "sweep", file.toString(), "--grid", "data.batch_size=6,0"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("--grid data.batch_size=6,0: sweep trial 2 (02_lr=0.05_batch_size=0):"
                + " data.batch_size: must be between 1 and 1048576, got 0");
        assertThat(results).doesNotExist();
    }

    @Test
    void sparkLocalRunsEveryTrialAsATask() throws Exception {
        Path results = tmp.resolve("r4");
        Cli.Out r = Cli.run(args(results, "sweep", file.toString(), "--grid", "optimizer.sgd.lr=0.05,0.02",
                "--spark", "local[2]"));
        assertThat(r.code()).as("%s", r).isZero();
        Path sweep = sweepFolder(results);
        JsonNode idx = Cli.json(sweep.resolve("sweep.json"));
        assertThat(idx.get("executor").asText()).startsWith("spark local[2]");
        assertThat(idx.get("trials")).extracting(t -> t.get("status").asText())
                .containsExactly("completed", "completed");
        for (String t : List.of("01_lr=0.05", "02_lr=0.02")) {
            assertThat(sweep.resolve(t).resolve("metrics.json")).isRegularFile();
            assertThat(sweep.resolve(t).resolve("model.zip")).isRegularFile();
            assertThat(sweep.resolve(t + ".out.txt")).isRegularFile();
        }
        assertThat(Files.readString(sweep.resolve("02_lr=0.02/experiment.yaml"))).contains("lr: 0.02");
        assertThat(SweepFolder.read(sweep).best()).isNotNull();
    }
}
