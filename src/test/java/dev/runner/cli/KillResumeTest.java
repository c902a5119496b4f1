package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.results.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection: a small training run in a child JVM (the runner's real main class) is killed with SIGKILL at
 * random moments, several times in a row, and resumed each time; its final metrics must equal those of a run that
 * was never interrupted. The moments are drawn from a logged seed, so a failure can be replayed.
 */
class KillResumeTest {
    static final int KILLS = 4;

    @TempDir
    Path tmp;

    @Test
    void aRunKilledAtRandomMomentsAndResumedEndsAsIfNeverKilled() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 12, 4);
        // 12 epochs x 12 iterations, a checkpoint after every epoch
        Path file = Cli.write(tmp.resolve("kill.yaml"), Cli.tinyYaml("kill", images, 12,
                "").replace("  batch_size: 6", "  batch_size: 3"));
        // the uninterrupted run, in a child JVM too: it also tells how long its training takes
        Process refRun = ChildJvm.start(List.of(), Main.class.getName(), List.of("run", file.toString(),
                "--results", tmp.resolve("reference").toString()), tmp.resolve("ref.out"), tmp.resolve("ref.err"));
        long started = await(refRun, tmp.resolve("ref.out"), "Training ");
        long finished = await(refRun, tmp.resolve("ref.out"), "Results: ");
        assertThat(refRun.waitFor(120, TimeUnit.SECONDS)).isTrue();
        long trainingNanos = Math.max(finished - started, 100_000_000L);
        assertThat(refRun.exitValue()).as(Files.readString(tmp.resolve("ref.err"))).isZero();
        Path reference = Cli.onlyRun(tmp.resolve("reference"), "kill");

        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        Path results = tmp.resolve("results");
        List<String> history = new ArrayList<>();
        boolean killedAfterCompleting = false;
        for (int attempt = 0; attempt <= KILLS; attempt++) {
            Path folder = runFolder(results);
            if (folder != null && "completed".equals(Cli.json(folder.resolve(RunFolder.METRICS)).get("status")
                    .asText())) {
                killedAfterCompleting = true;
                break;  // a kill that came after the run had said it completed (only its clean-up and exit were left)
            }
            List<String> args = folder == null
                    ? List.of("run", file.toString(), "--results", results.toString())
                    : List.of("run", "--resume", folder.toString());
            Path out = tmp.resolve("child" + attempt + ".out");
            Path err = tmp.resolve("child" + attempt + ".err");
            Process p = ChildJvm.start(List.of(), Main.class.getName(), args, out, err);
            if (attempt < KILLS) {
                // one kill in four while the JVM starts and loads the data, the others anywhere in the training:
                // mid-epoch, during an evaluation, a checkpoint's writes and renames, the final writes
                boolean early = rnd.nextInt(4) == 0;
                long at = (long) (rnd.nextDouble() * (early ? 3e9 : trainingNanos));
                if (!early && await(p, out, folder == null ? "Training " : "Resuming ", "Restarting ") < 0) {
                    at = 0;
                }
                boolean ended = p.waitFor(at, TimeUnit.NANOSECONDS);
                if (!ended) {
                    p.destroyForcibly();   // SIGKILL
                    p.waitFor(30, TimeUnit.SECONDS);
                }
                history.add(String.format("attempt %d: %s %.3f s after %s (%s)", attempt, ended ? "ended"
                        : "killed", at / 1e9, early ? "start" : "training began", String.join(" ", args)));
                if (ended) {
                    assertThat(p.exitValue()).as("seed %d, %s\n%s", seed, history, Files.readString(err)).isZero();
                    break;
                }
            } else {
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
                history.add("attempt " + attempt + ": ran to the end (" + String.join(" ", args) + ")");
                assertThat(p.exitValue()).as("seed %d, %s\n%s\n%s", seed, history, Files.readString(out),
                        Files.readString(err)).isZero();
            }
        }
        Path folder = runFolder(results);
        assertThat(folder).as("seed %d, %s", seed, history).isNotNull();
        JsonNode m = Cli.json(folder.resolve(RunFolder.METRICS));
        if (!"completed".equals(m.get("status").asText())) {
            // the last kill landed after the run had ended its training but before it said so: finish it
            Cli.Out r = Cli.run("run", "--resume", folder.toString());
            assertThat(r.code()).as("seed %d, %s\n%s", seed, history, r).isZero();
            m = Cli.json(folder.resolve(RunFolder.METRICS));
        }
        assertThat(m.get("status").asText()).as("seed %d, %s", seed, history).isEqualTo("completed");
        assertThat(RunCliTest.withoutSeconds(m)).as("seed %d, %s", seed, history)
                .isEqualTo(RunCliTest.withoutSeconds(Cli.json(reference.resolve(RunFolder.METRICS))));
        assertThat(RunCliTest.zipEntries(folder.resolve("model.zip")))
                .isEqualTo(RunCliTest.zipEntries(reference.resolve("model.zip")));
        // a completed run has every file, its charts included (they are drawn before it says completed); only a kill
        // in the instant between saying completed and deleting the last checkpoint leaves that folder behind
        java.util.Set<String> left = names(folder);
        if (killedAfterCompleting) {
            left.remove("checkpoint");
        } else {
            assertThat(folder.resolve("checkpoint")).as("seed %d, %s", seed, history).doesNotExist();
        }
        assertThat(left).as("seed %d, %s", seed, history).isEqualTo(names(reference));
    }

    /**
     * Waits until the child prints a line starting with one of {@code starts} and returns {@code System.nanoTime()}
     * then, or -1 when the child ends first.
     */
    private static long await(Process p, Path out, String... starts) throws Exception {
        long give = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < give) {
            for (String line : Files.readAllLines(out)) {
                for (String s : starts) {
                    if (line.startsWith(s)) {
                        return System.nanoTime();
                    }
                }
            }
            if (!p.isAlive()) {
                return -1;
            }
            Thread.sleep(2);
        }
        throw new AssertionError("the child printed none of " + List.of(starts) + " in 2 minutes: "
                + Files.readString(out));
    }

    private static java.util.Set<String> names(Path folder) throws Exception {
        try (var s = Files.list(folder)) {
            return new java.util.TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** The run folder under {@code results} once its metrics.json exists (a kill can come before), else null. */
    private static Path runFolder(Path results) {
        List<Path> runs = Cli.runs(results, "kill").stream().filter(RunFolder::isRunFolder).toList();
        assertThat(runs.size()).isLessThanOrEqualTo(1);
        return runs.isEmpty() ? null : runs.get(0);
    }
}
