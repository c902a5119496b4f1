package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the commands that read results folders and write outputs do with hostile files (issue 26, items 4-6):
 * outputs that are FIFOs, links or in missing folders; results files that are symbolic links out of the folder or
 * loops; terminal escapes and path-like names inside results files; standard output that cannot be written.
 */
class HostileFilesCliTest {
    @TempDir
    Path tmp;

    static final String SECRET = "sk_live_0123456789abcdef";

    /** A completed run folder {@code results/NAME/20260101-000000} with {@code status} and {@code name} recorded. */
    static Path run(Path results, String folderName, String name, String status) throws IOException {
        Path f = Files.createDirectories(results.resolve(folderName).resolve("20260101-000000"));
        Files.writeString(f.resolve("metrics.json"), "{\"name\": " + Cli.JSON.writeValueAsString(name)
                + ", \"status\": " + Cli.JSON.writeValueAsString(status) + ", \"epochs_planned\": 1,"
                + " \"iterations_per_epoch\": 1, \"classes\": [\"a\", \"b\"],"
                + " \"epochs\": [{\"epoch\": 1, \"train_loss\": 0.9, \"test_loss\": 0.8, \"test_accuracy\": 0.5,"
                + " \"lr\": 0.1, \"seconds\": 1.0}], \"iterations\": {\"loss\": [0.9], \"lr\": [0.1]},"
                + " \"final\": {\"test_accuracy\": 0.5, \"per_class_accuracy\": {\"a\": 0.5, \"b\": 0.5}}}\n");
        Files.writeString(f.resolve("experiment.yaml"), "name: " + folderName + "\nepochs: 1\n");
        return f;
    }

    static Path fifo(Path p) throws Exception {
        Process pr;
        try {
            pr = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "mkfifo is not installed: the FIFO cases are skipped");
            return p;
        }
        assumeTrue(pr.waitFor(30, TimeUnit.SECONDS) && pr.exitValue() == 0, "mkfifo failed: FIFO cases skipped");
        return p;
    }

    static boolean isFifo(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.isOther();
    }

    static void assertOneLineRefusal(Cli.Out r) {
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).as("%s", r).hasSize(1);
        assertThat(r.err()).doesNotContain("internal error");
        Cli.assertNoStackTrace(r.err());
    }

    @Test
    void reportAndDiffRefuseToReplaceAFifo() throws Exception {
        Path results = tmp.resolve("results");
        Path a = run(results, "a", "a", "completed");
        Path b = run(results, "b", "b", "completed");
        Path pipe = fifo(tmp.resolve("pipe"));

        Cli.Out r = Cli.run("report", a.toString(), "-o", pipe.toString());
        assertOneLineRefusal(r);
        assertThat(r.err()).contains("refusing to write").contains(pipe.toString()).contains("not a regular file");
        assertThat(isFifo(pipe)).as("the FIFO is still a FIFO").isTrue();

        Cli.Out d = Cli.run("diff", a.toString(), b.toString(), "--plot", pipe.toString());
        assertThat(d.code()).as("%s", d).isEqualTo(1);
        assertThat(d.errLines()).hasSize(1);
        assertThat(d.err()).contains("refusing to write");
        assertThat(isFifo(pipe)).isTrue();
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary file left beside it")
                    .containsExactlyInAnyOrder("results", "pipe");
        }
    }

    @Test
    void outputsAreNotSymbolicLinksDirectoriesOrInMissingFolders() throws Exception {
        Path results = tmp.resolve("results");
        Path a = run(results, "a", "a", "completed");
        Path elsewhere = Files.writeString(tmp.resolve("precious.txt"), "keep me\n");
        Path link = Files.createSymbolicLink(tmp.resolve("link.md"), elsewhere);

        assertOneLineRefusal(Cli.run("report", a.toString(), "-o", link.toString()));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(elsewhere)).isEqualTo("keep me\n");

        Path dir = Files.createDirectories(tmp.resolve("adir"));
        assertOneLineRefusal(Cli.run("report", a.toString(), "-o", dir.toString()));
        assertThat(Files.isDirectory(dir)).isTrue();

        Path missing = tmp.resolve("nonexistent/dir/r.md");
        Cli.Out r = Cli.run("report", a.toString(), "-o", missing.toString());
        assertOneLineRefusal(r);
        assertThat(r.err()).contains("no such directory");
        assertThat(tmp.resolve("nonexistent")).doesNotExist();

        // a regular file is replaced, as asked
        Path ok = Files.writeString(tmp.resolve("old.md"), "old\n");
        Cli.Out w = Cli.run("report", a.toString(), "-o", ok.toString());
        assertThat(w.code()).as("%s", w).isZero();
        assertThat(Files.readString(ok)).startsWith("# Report: a");
    }

    @Test
    void resultsFilesThatLinkOutAreNotReadNorEchoed() throws Exception {
        Path results = tmp.resolve("results");
        Path a = run(results, "a", "a", "completed");
        Path secret = Files.writeString(tmp.resolve("secret.txt"), SECRET + "\n");
        Files.delete(a.resolve("metrics.json"));
        Files.createSymbolicLink(a.resolve("metrics.json"), secret);

        for (String[] args : new String[][] {{"table", results.toString()}, {"report", a.toString(), "-o",
                tmp.resolve("r.md").toString()}, {"diff", a.toString(), a.toString()},
                {"run", "--resume", a.toString()}}) {
            Cli.Out r = Cli.run(args);
            assertThat(r.code()).as("%s", r).isNotZero();
            assertThat(r.errLines()).as("%s", r).hasSize(1);
            assertThat(r.out() + r.err()).doesNotContain(SECRET).doesNotContain("sk_live");
            Cli.assertNoStackTrace(r.err());
        }
        assertThat(tmp.resolve("r.md")).doesNotExist();

        // experiment.yaml linking out is refused too
        Path b = run(results, "b", "b", "completed");
        Files.delete(b.resolve("experiment.yaml"));
        Files.createSymbolicLink(b.resolve("experiment.yaml"), secret);
        Cli.Out t = Cli.run("table", b.toString());
        assertThat(t.code()).as("%s", t).isEqualTo(1);
        assertThat(t.err()).contains("symbolic link").doesNotContain("sk_live");
    }

    @Test
    void aDamagedJsonFileIsNamedByLineAndColumnNotByItsContent() throws Exception {
        Path results = tmp.resolve("results");
        Path a = run(results, "a", "a", "completed");
        Files.writeString(a.resolve("metrics.json"), "{\n  \"name\": " + SECRET + "\n}\n");
        Cli.Out r = Cli.run("table", a.toString());
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("metrics.json").contains("line 2").doesNotContain("sk_live");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)   // a guard against the hang this test is about, not a speed test
    void nestedSymbolicLinkLoopsEnd() throws Exception {
        Path results = tmp.resolve("results");
        run(results, "a", "a", "completed");
        Path d = Files.createDirectories(results.resolve("x/y/z"));
        Files.createSymbolicLink(d.resolve("up"), results);
        Files.createSymbolicLink(results.resolve("x/y/back"), results.resolve("x"));
        Files.createSymbolicLink(results.resolve("x/self"), results.resolve("x"));
        Cli.Out r = Cli.run("table", results.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("a/"))).hasSize(1);
    }

    @Test
    void terminalEscapesAndPathNamesFromResultsFilesAreNotPrinted() throws Exception {
        Path results = tmp.resolve("results");
        Path a = run(results, "a", "../../../../etc", "completed\u001b[31mRED\u001b[0m");
        Cli.Out t = Cli.run("table", a.toString());
        assertThat(t.code()).as("%s", t).isZero();
        assertThat(t.out()).doesNotContain("\u001b").contains("completed\u241b[31mRED\u241b[0m");

        Path md = tmp.resolve("r.md");
        Cli.Out r = Cli.run("report", a.toString(), "-o", md.toString());
        assertThat(r.code()).as("%s", r).isZero();
        String report = Files.readString(md);
        assertThat(report).doesNotContain("\u001b").startsWith("# Report: a\n");
    }

    @Test
    void aFullStandardOutputIsAnErrorNotSuccess() {
        PrintStream old = System.out;
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int code;
        try (PrintStream o = new PrintStream(full, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            code = Main.execute("schema");
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot write to standard output");
    }

    @Test
    void aTruncatedSweepIndexIsOneLineAndAbsurdMetricsAreNotPercentages() throws Exception {
        Path results = tmp.resolve("results");
        Path sweep = Files.createDirectories(results.resolve("s/sweep-20260101-000000"));
        Files.writeString(sweep.resolve("sweep.json"), "{\"name\": \"s\", \"trials\": [{\"index\": 1, \"na");
        Cli.Out t = Cli.run("table", sweep.toString());
        assertOneLineRefusal(t);
        assertThat(t.err()).contains("sweep.json: not valid JSON at line 1");

        Path a = run(results, "a", "a", "completed");
        String m = Files.readString(a.resolve("metrics.json"));
        Files.writeString(a.resolve("metrics.json"), m.replace("\"final\": {\"test_accuracy\": 0.5",
                "\"final\": {\"test_accuracy\": 1.2e29").replace("\"test_accuracy\": 0.5,", "\"test_accuracy\": 1e400,"));
        Cli.Out r = Cli.run("table", a.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).doesNotContain("Infinity").doesNotContainPattern("[0-9]{4,}\\.[0-9]+ %");
        Path md = tmp.resolve("abs.md");
        Cli.Out rep = Cli.run("report", a.toString(), "-o", md.toString());
        assertThat(rep.code()).as("%s", rep).isZero();
        assertThat(Files.readString(md)).doesNotContain("Infinity").doesNotContain("E31");
    }
}
