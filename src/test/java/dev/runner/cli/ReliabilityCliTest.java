package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.AtomicFiles;
import dev.runner.train.Metrics;
import dev.runner.results.RunFolder;
import dev.runner.results.RunReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens to a run when things go wrong: a second process, a killed process, a full disk, a transient write
 * failure, the JVM running out of memory, damaged checkpoint files; and what {@code --resume} makes of each.
 */
class ReliabilityCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path file;
    static Path results;
    /** The uninterrupted run every resumed run must end equal to (apart from timings). */
    static Path reference;

    @BeforeAll
    static void referenceRun() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 12, 4);
        file = Cli.write(tmp.resolve("exp/rel.yaml"), Cli.tinyYaml("rel", images, 2, ""));
        results = tmp.resolve("results");
        Cli.Out r = Cli.run("run", file.toString(), "--results", tmp.resolve("reference").toString());
        assertThat(r.code()).as("%s", r).isZero();
        reference = Cli.onlyRun(tmp.resolve("reference"), "rel");
    }

    /** metrics.json without what differs between identical runs, named {@code name}. */
    static JsonNode comparable(Path folder, String name) {
        JsonNode m = RunCliTest.withoutSeconds(Cli.json(folder.resolve(RunFolder.METRICS)));
        ((ObjectNode) m).put("name", name);
        return m;
    }

    static void assertEndsLikeTheReference(Path folder) {
        JsonNode m = Cli.json(folder.resolve(RunFolder.METRICS));
        assertThat(m.get("status").asText()).isEqualTo("completed");
        assertThat(comparable(folder, "rel")).isEqualTo(comparable(reference, "rel"));
    }

    /** A run of {@code name} stopped (interrupted, checkpoint saved) after its first epoch. */
    static Path stoppedAfterEpochOne(String name) {
        Cli.Out r = Cli.run(Invocation.of("run", file.toString(), "--set", "name=" + name, "--results",
                results.toString()).withTrainer((opts, stop) -> opts.onEpoch((e, m) -> stop.request("stopped by the"
                + " test"))));
        assertThat(r.code()).as("%s", r).isEqualTo(130);
        return Cli.onlyRun(results, name);
    }

    /** What a process killed after its first checkpoint leaves: status running, a checkpoint, nobody holding it. */
    static Path killedAfterEpochOne(String name) {
        Path folder = stoppedAfterEpochOne(name);
        Metrics m = Metrics.read(folder.resolve(RunFolder.METRICS));
        m.status = Metrics.RUNNING;
        m.error = null;
        m.write(folder);
        return folder;
    }

    @Test
    void aSecondProcessIsRefusedAndADeadProcessesRunIsCrashedAndResumes() throws Exception {
        Path folder = killedAfterEpochOne("locked");
        Process holder = ChildJvm.start(List.of(), LockHolder.class.getName(), List.of(folder.toString()),
                tmp.resolve("holder.out"), tmp.resolve("holder.err"));
        try {
            for (int i = 0; i < 600 && !Files.readString(tmp.resolve("holder.out")).contains("locked"); i++) {
                assertThat(holder.isAlive()).as("the lock holder died: %s",
                        Files.readString(tmp.resolve("holder.err"))).isTrue();
                Thread.sleep(50);
            }
            // the live process's run: running, and a second process stops at once
            assertThat(RunReader.read(folder).status()).isEqualTo("running");
            Cli.Out second = Cli.run("run", "--resume", folder.toString());
            assertThat(second.code()).as("%s", second).isEqualTo(1);
            assertThat(second.errLines()).containsExactly("runner: " + folder + " is in use by another runner"
                    + " process (pid " + holder.pid() + "); wait for it to end or stop it, one process per run");
            assertThat(second.out()).isEmpty();
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        // its process is gone: crashed, in diff and report too
        RunReader.Run crashed = RunReader.read(folder);
        assertThat(crashed.status()).isEqualTo("crashed");
        assertThat(crashed.error()).contains("runner run --resume " + folder);
        Cli.Out diff = Cli.run("diff", folder.toString(), reference.toString());
        assertThat(diff.code()).as("%s", diff).isZero();
        assertThat(diff.out()).contains("crashed (its process is gone)");
        Path md = Files.createDirectories(tmp.resolve("crash-report")).resolve("report.md");
        Cli.Out report = Cli.run("report", folder.toString(), "-o", md.toString());
        assertThat(report.code()).as("%s", report).isZero();
        assertThat(Files.readString(md)).contains("crashed, 1 of 2 epochs");

        Cli.Out resumed = Cli.run("run", "--resume", folder.toString());
        assertThat(resumed.code()).as("%s", resumed).isZero();
        assertThat(resumed.out()).contains("Resuming locked at epoch 2");
        assertEndsLikeTheReference(folder);
        assertThat(RunReader.read(folder).status()).isEqualTo("completed");
    }

    @Test
    void aFullDiskKeepsTheLastGoodMetricsLogsTheReasonAndTheRunResumesOnceThereIsSpace() throws Exception {
        Path root = results.resolve("full");
        AtomicInteger metricsWrites = new AtomicInteger();
        // metrics.json: written at the start, after epoch 1, then the disk is full
        AtomicFiles.WriteHook fullDisk = target -> {
            if (target.startsWith(root) && target.getFileName().toString().equals(RunFolder.METRICS)
                    && metricsWrites.incrementAndGet() >= 3) {
                throw new IOException("No space left on device");
            }
        };
        Cli.Out r = Cli.run(Invocation.of("run", file.toString(), "--set", "name=full", "--results",
                results.toString()).withTrainer((opts, stop) -> opts.writeHook(fullDisk)));
        Path folder = Cli.onlyRun(results, "full");
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).containsExactly("runner: cannot write " + folder.resolve("metrics.json")
                + ": No space left on device");
        assertThat(r.out()).contains("runner: could not mark " + folder + " failed (");
        Cli.assertNoStackTrace(r.err());
        // the last good metrics.json, the reason in log.txt, and no stray temporary file
        JsonNode m = Cli.json(folder.resolve("metrics.json"));
        assertThat(m.get("status").asText()).isEqualTo("running");
        assertThat(m.get("epochs")).hasSize(1);
        List<String> log = Files.readAllLines(folder.resolve("log.txt"), StandardCharsets.UTF_8);
        assertThat(log.get(log.size() - 1)).startsWith("FAILED: error: cannot write " + folder.resolve("metrics.json"))
                .endsWith("No space left on device");
        try (var s = Files.list(folder)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
        RunReader.Run run = RunReader.read(folder);
        assertThat(run.status()).isEqualTo("crashed");
        assertThat(run.error()).endsWith("No space left on device");

        Cli.Out resumed = Cli.run("run", "--resume", folder.toString());
        assertThat(resumed.code()).as("%s", resumed).isZero();
        assertEndsLikeTheReference(folder);
    }

    @Test
    void aRunFailedByATransientWriteErrorResumesFromItsCheckpoint() throws Exception {
        Path root = results.resolve("blip");
        AtomicInteger metricsWrites = new AtomicInteger();
        AtomicFiles.WriteHook blip = target -> {
            if (target.startsWith(root) && target.getFileName().toString().equals(RunFolder.METRICS)
                    && metricsWrites.incrementAndGet() == 3) {
                throw new IOException("Input/output error");
            }
        };
        Cli.Out r = Cli.run(Invocation.of("run", file.toString(), "--set", "name=blip", "--results",
                results.toString()).withTrainer((opts, stop) -> opts.writeHook(blip)));
        Path folder = Cli.onlyRun(results, "blip");
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        JsonNode m = Cli.json(folder.resolve("metrics.json"));
        assertThat(m.get("status").asText()).isEqualTo("failed");
        assertThat(m.get("error").asText()).endsWith("Input/output error");
        assertThat(RunReader.read(folder).status()).isEqualTo("failed");

        Cli.Out resumed = Cli.run("run", "--resume", folder.toString());
        assertThat(resumed.code()).as("%s", resumed).isZero();
        assertThat(resumed.out()).contains("Resuming blip at epoch 2, iteration 6");
        assertEndsLikeTheReference(folder);
    }

    @Test
    void resumingACompletedRunSaysItIsCompleted() {
        Cli.Out r = Cli.run("run", "--resume", reference.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.errLines()).containsExactly("runner: --resume " + reference
                + ": the run is already completed (--set epochs=N trains it further)");
    }

    @Test
    void damagedCheckpointFilesAreOneLineNamingTheFile() throws Exception {
        Path folder = stoppedAfterEpochOne("damaged");
        Path metrics = folder.resolve("checkpoint/metrics.json");
        Files.writeString(metrics, "{\"name\": \"damaged\", \"epochs\": [");
        Cli.Out r = Cli.run("run", "--resume", folder.toString());
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("runner: " + metrics + ": not a metrics.json: ").doesNotContain("internal");
        Cli.assertNoStackTrace(r.err());

        Path state = folder.resolve("checkpoint/state.json");
        Files.writeString(state, "{\"epoch\": ");
        Cli.Out s = Cli.run("run", "--resume", folder.toString());
        assertThat(s.code()).as("%s", s).isEqualTo(1);
        assertThat(s.errLines()).hasSize(1);
        assertThat(s.err()).startsWith("runner: cannot read " + state + ": not valid JSON at line 1")
                .endsWith("(an unreadable checkpoint state)\n");
    }

    @Test
    void aCheckpointStateOutsideTheRunIsRefusedNotResumed() throws Exception {
        for (String[] bad : new String[][] {{"batchesDone", "99999"}, {"epoch", "99999"}, {"epoch", "-1"},
                {"batchesDone", "-3"}}) {
            Path folder = stoppedAfterEpochOne("state-" + bad[0] + bad[1].replace("-", "m"));
            Path state = folder.resolve("checkpoint/state.json");
            ObjectNode n = (ObjectNode) Cli.json(state);
            n.put(bad[0], Integer.parseInt(bad[1]));
            Files.writeString(state, n.toString());
            Cli.Out r = Cli.run("run", "--resume", folder.toString());
            assertThat(r.code()).as("%s", r).isEqualTo(1);
            assertThat(r.errLines()).as("%s", r).hasSize(1);
            assertThat(r.err()).contains(state + " is damaged").doesNotContain("internal error");
            assertThat(Cli.json(folder.resolve("metrics.json")).get("status").asText()).isNotEqualTo("completed");
        }
    }

    @Test
    void resumeWithoutDataRootUsesTheDataRootTheRunRecorded() throws Exception {
        // a CIFAR-10 run whose data root had no data; the download cannot succeed (a closed loopback port)
        Path folder = Files.createDirectories(tmp.resolve("cifar-results/c/20260101-000000"));
        Path recorded = Files.createDirectories(tmp.resolve("recorded-root"));
        Files.writeString(folder.resolve("experiment.yaml"), "name: c\ndata: {dataset: {cifar10: {url:"
                + " 'http://127.0.0.1:1/c.tar.gz', md5: 00000000000000000000000000000000}}}\nmodel: {input: [3, 32,"
                + " 32], layers: [flatten, {dense: 10}]}\noptimizer: {sgd: {lr: 0.01}}\n");
        new Metrics("c", 1, 1, List.of()).write(folder);
        Files.writeString(folder.resolve("provenance.json"), "{\"data_root\": \"" + recorded + "\"}\n");
        Cli.Out r = Cli.run("run", "--resume", folder.toString());
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("copy cifar-10-binary.tar.gz into " + recorded + " ");
    }

    @Test
    void outOfMemoryIsOneLineExitOneAndTheRunMarkedFailed() throws Exception {
        Path root = tmp.resolve("oom-results");
        // a batch of a million 8x8 images does not fit in a 128 MB heap: out of memory in the first step
        // (JavaCPP's physical-memory limit lifted: it is 2x the heap, which the memory check would refuse first)
        Process p = ChildJvm.start(List.of("-Xmx128m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0"),
                Main.class.getName(), List.of("run", file.toString(),
                "--set", "data.batch_size=1000000", "--set", "name=oom", "--results", root.toString()),
                tmp.resolve("oom.out"), tmp.resolve("oom.err"));
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(tmp.resolve("oom.err"));
        assertThat(p.exitValue()).as(err).isEqualTo(1);
        assertThat(err.lines().toList()).containsExactly("runner: out of memory (Java heap space): give Java more"
                + " with -Xmx (e.g. java -Xmx8g -jar runner.jar ...), or use a smaller data.batch_size"
                + " (--set data.batch_size=N)");
        Cli.assertNoStackTrace(err);
        Path folder = Cli.onlyRun(root, "oom");
        JsonNode m = Cli.json(folder.resolve("metrics.json"));
        assertThat(m.get("status").asText()).isEqualTo("failed");
        assertThat(m.get("error").asText()).startsWith("out of memory (Java heap space)");
    }

    @Test
    void diffOfARunWithItselfDrawsItsPlot() throws Exception {
        Path png = tmp.resolve("self.png");
        Cli.Out r = Cli.run("diff", reference.toString(), reference.toString(), "--plot", png.toString());
        assertThat(r.code()).as("%s", r).isZero();
        Cli.assertPicture(png);
        Path copy = tmp.resolve("copy/rel/" + reference.getFileName());
        Files.createDirectories(copy);
        try (var s = Files.list(reference)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Cli.Out c = Cli.run("diff", reference.toString(), copy.toString(), "--plot", png.toString());
        assertThat(c.code()).as("%s", c).isZero();
    }
}
