package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run on a really full disk (issue 26, item 2): {@code --results} on a tmpfs of 32 KB, 128 KB and 700 KB. Either
 * nothing is left (the run could not start, its folder removed) or the folder is a results folder marked
 * {@code failed} with the reason, which {@code table} lists and {@code --resume} accepts. Needs root (mount); a
 * machine where mounting is not allowed skips it and says so.
 */
class DiskFullCliTest {
    @TempDir
    static Path tmp;
    static Path file;

    @BeforeAll
    static void files() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 6, 3);
        file = Cli.write(tmp.resolve("exp/full.yaml"), Cli.tinyYaml("full", images, 2, ""));
    }

    static boolean sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 128, 700})
    void aFullDiskLeavesNothingOrAFailedResultsFolder(int kb) throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt" + kb));
        boolean mounted;
        try {
            mounted = sh("mount", "-t", "tmpfs", "-o", "size=" + kb + "k", "tmpfs", mnt.toString());
        } catch (java.io.IOException e) {
            mounted = false;
        }
        assumeTrue(mounted, "cannot mount a tmpfs here (not root?): the real full-disk cases are skipped");
        try {
            // a dense layer of 2000 units: the checkpoint (about 1.2 MB) does not fit even the largest of these
            Cli.Out r = Cli.run("run", file.toString(), "--results", mnt.toString(), "--set", "model.layers=[{conv:"
                    + " {filters: 4, kernel: 3}}, relu, {maxpool: 2}, flatten, {dense: 2000}, {dense: 3}]");
            assertThat(r.code()).as("%s", r).isEqualTo(1);
            assertThat(r.errLines()).as("%s", r).hasSize(1);
            assertThat(r.err()).contains("No space left on device");
            assertThat(r.out()).doesNotContain("could not mark");
            Cli.assertNoStackTrace(r.err());
            List<Path> runs = Cli.runs(mnt, "full");
            if (runs.isEmpty()) {
                assertThat(r.err()).contains("the run could not start");
                return;
            }
            assertThat(runs).hasSize(1);
            Path folder = runs.get(0);
            JsonNode m = Cli.json(folder.resolve("metrics.json"));
            assertThat(m.get("status").asText()).as("%s", r).isEqualTo("failed");
            assertThat(m.get("error").asText()).contains("No space left on device");
            Cli.Out t = Cli.run("table", mnt.toString());
            assertThat(t.code()).as("%s", t).isZero();
            assertThat(t.out()).contains("full/" + folder.getFileName()).contains("failed");
            Cli.Out again = Cli.run("run", "--resume", folder.toString());
            assertThat(again.err()).doesNotContain("not a results folder");
        } finally {
            sh("umount", mnt.toString());
        }
    }
}
