package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Sweeps that decide as they go, end to end on a tiny generated image folder: ASHA's pruned and promoted trials
 * (their metrics those of a trial never paused), the same jobs on {@code --workers 2} and Spark {@code local[2]},
 * {@code --resume} of a pruned and of a TPE sweep giving the uninterrupted sweep's trials, budgets.
 */
class AdaptiveSweepCliTest {
    @TempDir
    static Path tmp;
    static Path images;

    @BeforeAll
    static void data() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 8, 3);
    }

    static Path experiment(String name, int epochs, String sweep) {
        return Cli.write(tmp.resolve("exp/" + name + ".yaml"), Cli.tinyYaml("tiny", images, epochs, sweep));
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

    /** sweep.json's jobs and each trial's name, status and metric: what two equal sweeps share. */
    static List<String> decisions(Path sweep) {
        JsonNode idx = Cli.json(sweep.resolve("sweep.json"));
        List<String> out = new ArrayList<>();
        idx.get("jobs").forEach(j -> out.add("job " + j.get("trial") + " " + j.get("rung") + " " + j.get("epochs")
                + " " + j.get("value")));
        idx.get("trials").forEach(t -> out.add(t.get("name").asText() + " " + t.get("status").asText() + " "
                + t.get("metric")));
        return out;
    }

    static final String ASHA = """
            sweep:
              random:
                trials: 4
                seed: 3
                params:
                  optimizer.sgd.lr: {log_uniform: [0.005, 0.2]}
              pruning:
                asha: {min_epochs: 1, max_epochs: 4, reduction_factor: 2}
              metric: test_loss
            """;

    @Test
    void ashaPrunesPromotesFromCheckpointsAndDecidesAlikeOnWorkersAndSpark() throws Exception {
        Path file = experiment("asha", 1, ASHA);
        Path results = tmp.resolve("asha-workers");
        Cli.Out r = Cli.run(args(results, "sweep", file.toString(), "--workers", "2"));
        assertThat(r.code()).as("%s", r).isZero();
        Cli.assertNoStackTrace(r.err());
        Path sweep = sweepFolder(results);
        JsonNode idx = Cli.json(sweep.resolve("sweep.json"));
        assertThat(idx.get("search").get("pruning").get("rungs").toString()).isEqualTo("[[1,2,4]]");
        assertThat(idx.get("search").get("lag").asInt()).isEqualTo(2);
        List<String> statuses = new ArrayList<>();
        idx.get("trials").forEach(t -> statuses.add(t.get("status").asText()));
        assertThat(statuses).contains("completed", "pruned").doesNotContain("paused", "pending", "failed");
        assertThat(r.out()).contains("Pruning: ").contains("stopped early");
        // each trial's folder is complete up to the epoch it reached, and the trial's epochs is max_epochs
        for (JsonNode t : idx.get("trials")) {
            Path run = sweep.resolve(t.get("name").asText());
            int reached = 0;
            for (JsonNode j : idx.get("jobs")) {
                if (j.get("trial").asInt() == t.get("index").asInt()) reached = Math.max(reached, j.get("epochs").asInt());
            }
            JsonNode m = Cli.json(run.resolve("metrics.json"));
            assertThat(m.get("epochs")).hasSize(reached);
            assertThat(Files.readString(sweep.resolve(t.get("name").asText() + ".yaml"))).contains("epochs: 4");
            if (t.get("status").asText().equals("pruned")) {
                assertThat(reached).isLessThan(4);
                assertThat(t.get("error").asText()).isEqualTo("pruned at epoch " + reached);
            }
        }

        // the completed trial was paused at rungs 1 and 2 and continued from its checkpoints: its metrics equal
        // those of the same trial trained to the end without a pause
        JsonNode best = null;
        for (JsonNode t : idx.get("trials")) {
            if (t.get("status").asText().equals("completed")) best = t;
        }
        assertThat(best).isNotNull();
        String name = best.get("name").asText();
        Path plain = tmp.resolve("plain-" + name);
        Cli.Out p = Cli.run("run", "--into", plain.toString(), "--data-root", tmp.toString(),
                sweep.resolve(name + ".yaml").toString());
        assertThat(p.code()).as("%s", p).isZero();
        JsonNode paused = Cli.json(sweep.resolve(name).resolve("metrics.json"));
        JsonNode never = Cli.json(plain.resolve("metrics.json"));
        assertThat(Cli.json(sweep.resolve(name).resolve("provenance.json")).get("resumes")).hasSize(2);
        for (String k : List.of("iteration_loss", "iteration_lr")) {
            assertThat(paused.get(k)).as(k).isEqualTo(never.get(k));
        }
        for (int e = 0; e < 4; e++) {
            for (String k : List.of("train_loss", "test_loss", "test_accuracy")) {
                assertThat(paused.get("epochs").get(e).get(k)).as("epoch %d %s", e + 1, k)
                        .isEqualTo(never.get("epochs").get(e).get(k));
            }
        }

        // Spark local[2]: the same trials, jobs and values
        Path sparkResults = tmp.resolve("asha-spark");
        Cli.Out s = Cli.run(args(sparkResults, "sweep", file.toString(), "--spark", "local[2]"));
        assertThat(s.code()).as("%s", s).isZero();
        assertThat(decisions(sweepFolder(sparkResults))).isEqualTo(decisions(sweep));

        // --resume of a sweep stopped after its third job ended: the same jobs and results
        Path resumed = tmp.resolve("asha-resumed");
        java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
        Cli.Out first = Cli.run(Invocation.of(args(resumed, "sweep", file.toString(), "--workers", "2"))
                .withTrialEnded((t, stop) -> {
                    if (ended.incrementAndGet() == 3) stop.run();
                }));
        assertThat(first.code()).as("%s", first).isEqualTo(130);
        Path rs = sweepFolder(resumed);
        assertThat(Cli.json(rs.resolve("sweep.json")).get("jobs").size()).isLessThan(idx.get("jobs").size());
        Cli.Out again = Cli.run("sweep", "--resume", rs.toString(), "--data-root", tmp.toString(), "--workers", "2");
        assertThat(again.code()).as("%s", again).isZero();
        assertThat(decisions(rs)).isEqualTo(decisions(sweep));
    }

    @Test
    void tpeResumesWithItsSearchState() throws Exception {
        Path file = experiment("tpe", 1, """
                sweep:
                  tpe:
                    trials: 12
                    seed: 5
                    params:
                      optimizer.sgd.lr: {log_uniform: [0.001, 0.3]}
                      optimizer.sgd.momentum: {uniform: [0.0, 0.95]}
                  metric: test_loss
                """);
        Path whole = tmp.resolve("tpe-whole");
        Cli.Out r = Cli.run(args(whole, "sweep", file.toString(), "--workers", "2"));
        assertThat(r.code()).as("%s", r).isZero();
        Path sweep = sweepFolder(whole);
        JsonNode idx = Cli.json(sweep.resolve("sweep.json"));
        assertThat(idx.get("trials")).hasSize(12);
        assertThat(idx.get("trials")).allSatisfy(t -> assertThat(t.get("status").asText()).isEqualTo("completed"));
        assertThat(idx.get("trials").get(11).get("name").asText()).startsWith("12_lr=");

        Path part = tmp.resolve("tpe-part");
        java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
        Cli.Out first = Cli.run(Invocation.of(args(part, "sweep", file.toString(), "--workers", "2"))
                .withTrialEnded((t, stop) -> {
                    if (ended.incrementAndGet() == 5) stop.run();
                }));
        assertThat(first.code()).as("%s", first).isEqualTo(130);
        Path ps = sweepFolder(part);
        assertThat(Cli.json(ps.resolve("sweep.json")).get("trials").size()).isLessThan(12);
        Cli.Out again = Cli.run("sweep", "--resume", ps.toString(), "--data-root", tmp.toString(), "--workers", "2");
        assertThat(again.code()).as("%s", again).isZero();
        assertThat(decisions(ps)).isEqualTo(decisions(sweep));
    }

    @Test
    void budgetsStopStartingTrialsAndSaySo() throws Exception {
        Path file = experiment("budget", 1, """
                sweep:
                  grid:
                    optimizer.sgd.lr: [0.05, 0.02, 0.01]
                  max_trials: 2
                  max_concurrent: 1
                """);
        Path results = tmp.resolve("budget");
        Cli.Out r = Cli.run(args(results, "sweep", file.toString(), "--workers", "2"));
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains("max_trials 2, max_concurrent 1")
                .contains("Budget: max_trials 2 reached: no more trials start");
        JsonNode idx = Cli.json(sweepFolder(results).resolve("sweep.json"));
        assertThat(idx.get("trials")).extracting(t -> t.get("status").asText())
                .containsExactly("completed", "completed", "not_started");
        assertThat(sweepFolder(results).resolve("03_lr=0.01")).doesNotExist();

        // one driver per sweep folder: a second one (here --resume beside a live holder) is refused in one line
        Path sweep = sweepFolder(results);
        byte[] before = Files.readAllBytes(sweep.resolve("sweep.json"));
        Process holder = ChildJvm.start(List.of(), LockHolder.class.getName(), List.of(sweep.toString()),
                tmp.resolve("holder.out"), tmp.resolve("holder.err"));
        try {
            for (int i = 0; i < 600 && !Files.readString(tmp.resolve("holder.out")).contains("locked"); i++) {
                assertThat(holder.isAlive()).as("the lock holder died: %s",
                        Files.readString(tmp.resolve("holder.err"))).isTrue();
                Thread.sleep(50);
            }
            Cli.Out second = Cli.run("sweep", "--resume", sweep.toString(), "--data-root", tmp.toString());
            assertThat(second.code()).as("%s", second).isEqualTo(1);
            assertThat(second.errLines()).containsExactly("runner: " + sweep + " is in use by another runner"
                    + " process (pid " + holder.pid() + "); wait for it to end or stop it, one process per run");
            assertThat(Files.readAllBytes(sweep.resolve("sweep.json"))).isEqualTo(before);
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        Path timed = experiment("timed", 1, """
                sweep:
                  grid:
                    optimizer.sgd.lr: [0.05, 0.02]
                  max_minutes: 1e-9
                """);
        Path tr = tmp.resolve("timed");
        Cli.Out t = Cli.run(args(tr, "sweep", timed.toString()));
        assertThat(t.code()).as("%s", t).isZero();
        assertThat(t.out()).contains("Budget: max_minutes 1.0E-9 spent: no more trials or promotions start");
        assertThat(Cli.json(sweepFolder(tr).resolve("sweep.json")).get("trials"))
                .extracting(x -> x.get("status").asText()).containsExactly("not_started", "not_started");
    }

    @Test
    void seedsGiveMeanSdAndIntervalsInTableReportAndDiff() throws Exception {
        Path file = experiment("seeds", 1, """
                sweep:
                  grid:
                    optimizer.sgd.lr: [0.05, 0.01]
                  seeds: 2
                  metric: test_loss
                """);
        Path results = tmp.resolve("seeds");
        Cli.Out r = Cli.run(args(results, "sweep", file.toString(), "--workers", "2"));
        assertThat(r.code()).as("%s", r).isZero();
        Path sweep = sweepFolder(results);
        JsonNode idx = Cli.json(sweep.resolve("sweep.json"));
        assertThat(idx.get("trials")).extracting(t -> t.get("name").asText()).containsExactly(
                "01_lr=0.05_seed=7", "02_lr=0.05_seed=8", "03_lr=0.01_seed=7", "04_lr=0.01_seed=8");
        assertThat(Files.readString(sweep.resolve("02_lr=0.05_seed=8.yaml"))).contains("seed: 8");
        double[] m = new double[4];
        for (int i = 0; i < 4; i++) m[i] = idx.get("trials").get(i).get("metric").asDouble();
        // by hand: mean and sample sd of two values, t(0.975, 1) = 12.7062
        double mean1 = (m[0] + m[1]) / 2;
        double sd1 = Math.abs(m[0] - m[1]) / Math.sqrt(2);
        double mean2 = (m[2] + m[3]) / 2;
        double sd2 = Math.abs(m[2] - m[3]) / Math.sqrt(2);
        String c1 = String.format(java.util.Locale.ROOT, "%.4f ± %.4f", mean1, sd1);
        String ci1 = String.format(java.util.Locale.ROOT, "%.4f to %.4f", mean1 - 12.7062 * sd1 / Math.sqrt(2),
                mean1 + 12.7062 * sd1 / Math.sqrt(2));
        String c2 = String.format(java.util.Locale.ROOT, "%.4f ± %.4f", mean2, sd2);
        Cli.Out table = Cli.run("table", sweep.toString());
        assertThat(table.code()).as("%s", table).isZero();
        List<String> lines = table.out().lines().toList();
        String first = mean1 <= mean2 ? "lr=0.05" : "lr=0.01";
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("1     " + first));
        assertThat(table.out()).contains(c1).contains(c2).contains(ci1)
                .contains("by configuration over 2 seeds, ranked by the mean (lowest first)");
        Path report = tmp.resolve("seeds-report/r.md");
        Cli.Out rep = Cli.run("report", sweep.toString(), "-o", report.toString());
        assertThat(rep.code()).as("%s", rep).isZero();
        assertThat(Files.readString(report)).contains("| rank | configuration | seeds |").contains(c1);
        Cli.assertPicture(sweep.resolve("sweep.png"));
        Cli.Out diff = Cli.run("diff", sweep.toString(), sweep.toString());
        assertThat(diff.code()).as("%s", diff).isZero();
        assertThat(diff.out()).contains("Best configurations by mean test_loss")
                .contains("the difference is not significant (Welch's t-test, p = 1");
    }
}
