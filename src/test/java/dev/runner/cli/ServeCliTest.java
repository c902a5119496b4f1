package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner serve} and {@code runner report --html} from the command line: flags, defaults, refusals. */
class ServeCliTest {
    @TempDir
    Path tmp;

    @Test
    void serveListensOnThisMachineByDefaultAndRefusesBadFlags() throws Exception {
        assertThat(Cli.run("serve", "--help").out()).contains("default: 127.0.0.1").contains("--port");
        Cli.Out bad = Cli.run("serve", tmp.toString(), "--port", "70000");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("runner: --port 70000: expected 0 to 65535");
        Cli.Out missing = Cli.run("serve", tmp.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("no such results folder").doesNotContain("\tat ");
    }

    @Test
    void reportHtmlWritesThePagesAndOnlyIntoANewOrEarlierReport() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("results/origin/20261201-100000"));
        Files.writeString(root.resolve("metrics.json"), "{\"name\": \"origin\", \"status\": \"completed\","
                + " \"epochs_planned\": 1, \"iterations_per_epoch\": 2, \"epochs\": [{\"epoch\": 1, \"test_accuracy\":"
                + " 0.5}], \"iterations\": {\"loss\": [2.0, 1.5], \"lr\": [0.1, 0.1]}}");
        Path site = tmp.resolve("site");
        Cli.Out out = Cli.run("report", "--html", site.toString(), tmp.resolve("results").toString());
        assertThat(out.code()).isEqualTo(0);
        assertThat(out.out()).contains("(1 run, 0 sweeps)");
        assertThat(site.resolve("index.html")).content().contains("data-mode=\"static\"");
        assertThat(site.resolve("assets/echarts.min.js")).exists();
        assertThat(Files.list(site.resolve("data")).count()).isEqualTo(2);
        assertThat(Cli.run("report", "--html", site.toString(), tmp.resolve("results").toString()).code()).isZero();
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        Cli.Out refused = Cli.run("report", "--html", other.toString(), tmp.resolve("results").toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("not empty and not an earlier report");
        assertThat(other.resolve("notes.txt")).hasContent("mine");
        assertThat(Cli.run("report", "--html", tmp.resolve("results/site").toString(),
                tmp.resolve("results").toString()).err()).contains("is inside the results folder");
        assertThat(tmp.resolve("results/site")).doesNotExist();
    }
}
