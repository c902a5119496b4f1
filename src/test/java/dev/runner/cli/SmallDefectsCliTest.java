package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small defects of issue 26 (items 7 and 9): each one line, naming what it should, exit 2 for usage. */
class SmallDefectsCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path file;

    @BeforeAll
    static void files() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 6, 2);
        file = Cli.write(tmp.resolve("exp/tiny.yaml"), Cli.tinyYaml("tiny", images, 1, ""));
    }

    static void oneLine(Cli.Out r, int code) {
        assertThat(r.code()).as("%s", r).isEqualTo(code);
        assertThat(r.errLines()).as("%s", r).hasSize(1);
        assertThat(r.err()).doesNotContain("internal error");
        Cli.assertNoStackTrace(r.err());
    }

    @Test
    void aHugeGridIsRefusedInAShortLine() {
        String values = IntStream.rangeClosed(1, 10_001).mapToObj(i -> "0." + i).collect(Collectors.joining(","));
        Cli.Out r = Cli.run("sweep", file.toString(), "--grid", "optimizer.sgd.lr=" + values, "--results",
                tmp.resolve("grid-results").toString());
        oneLine(r, 2);
        assertThat(r.err().length()).isLessThan(400);
        assertThat(r.err()).contains("more than 10000 trials");
        assertThat(tmp.resolve("grid-results")).doesNotExist();
    }

    @Test
    void badExecutorFlagsAreUsageErrorsAndLeaveNoSweepFolder() {
        Path results = tmp.resolve("exec-results");
        Cli.Out w = Cli.run("sweep", file.toString(), "--grid", "seed=1,2", "--workers", "0", "--results",
                results.toString());
        oneLine(w, 2);
        assertThat(w.err()).contains("--workers 0");
        Cli.Out s = Cli.run("sweep", file.toString(), "--grid", "seed=1,2", "--spark", "bogus://x", "--results",
                results.toString());
        oneLine(s, 2);
        assertThat(s.err()).contains("--spark bogus://x: not a Spark master");
        assertThat(results).doesNotExist();
    }

    @Test
    void yamlBombsAndDeepNestingNameTheLineAndColumn() throws Exception {
        StringBuilder laughs = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 12; i++) {
            laughs.append((char) ('a' + i)).append(": &").append((char) ('a' + i)).append(" [");
            for (int k = 0; k < 9; k++) {
                laughs.append(k == 0 ? "" : ", ").append('*').append((char) ('a' + i - 1));
            }
            laughs.append("]\n");
        }
        Path bomb = Cli.write(tmp.resolve("exp/laughs.yaml"), laughs.toString());
        Cli.Out b = Cli.run("check", bomb.toString());
        oneLine(b, 2);
        assertThat(b.err()).containsPattern("^" + java.util.regex.Pattern.quote(bomb.toString()) + ":[0-9]+:[0-9]+: ");

        Path deep = Cli.write(tmp.resolve("exp/deep.yaml"), "a: " + "[".repeat(5000) + "]".repeat(5000) + "\n");
        Cli.Out d = Cli.run("check", deep.toString());
        oneLine(d, 2);
        assertThat(d.err()).containsPattern("^" + java.util.regex.Pattern.quote(deep.toString()) + ":1:[0-9]+: ");
    }

    @Test
    void anUnknownCommandIsNamed() {
        Cli.Out r = Cli.run("predikt", "x");
        oneLine(r, 2);
        assertThat(r.err()).startsWith("runner: unknown command 'predikt' (commands: run, check");
        Cli.Out one = Cli.run("evalute");
        oneLine(one, 2);
        assertThat(one.err()).startsWith("runner: unknown command 'evalute'");
    }

    @Test
    void resumingAFolderThatDoesNotExistSaysSo() {
        Path missing = tmp.resolve("no/such/run");
        Cli.Out r = Cli.run("run", "--resume", missing.toString());
        oneLine(r, 2);
        assertThat(r.err()).isEqualTo("runner: --resume " + missing + ": no such folder\n");
    }

    @Test
    void aHugeSweepIndexIsRefusedBeforeItIsRead() throws Exception {
        Path sweep = Files.createDirectories(tmp.resolve("huge/tiny/sweep-20260101-000000"));
        try (var out = Files.newOutputStream(sweep.resolve("sweep.json"))) {
            out.write("{\"trials\": [".getBytes());
            byte[] pad = new byte[1 << 20];
            java.util.Arrays.fill(pad, (byte) ' ');
            for (int i = 0; i < 33; i++) {
                out.write(pad);
            }
            out.write("]}".getBytes());
        }
        Cli.Out t = Cli.run("table", sweep.toString());
        oneLine(t, 1);
        assertThat(t.err()).contains("sweep.json: larger than the 32 MiB");
    }

    @Test
    void aClassWithoutTestImagesHasNoAccuracyNotZero() throws Exception {
        Path imgs = Cli.imageFolder(tmp.resolve("images-empty"), 6, 2);
        try (var s = Files.list(imgs.resolve("test/red"))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Path f = Cli.write(tmp.resolve("exp/empty.yaml"), Cli.tinyYaml("empty", imgs, 1, ""));
        Path results = tmp.resolve("empty-results");
        Cli.Out r = Cli.run("run", f.toString(), "--results", results.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).contains("Accuracy of   red : no test images").doesNotContain("Accuracy of   red :  0 %");
        Path run = Cli.onlyRun(results, "empty");
        assertThat(Cli.json(run.resolve("metrics.json")).get("final").get("per_class_accuracy").get("red").isNull())
                .isTrue();
    }
}
