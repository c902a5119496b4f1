package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network too large for the machine (issue 26, item 1: a dense layer of 16,777,216 units crashed the JVM in
 * ND4J's allocateDataBuffer): {@code check} shows the memory estimate and refuses it, {@code run} refuses it in one
 * line before loading data, and a sweep records that line as the trial's error.
 */
class MemoryCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path file;
    static final String HUGE = "model.layers=[flatten, {dense: 16777216}, {dense: 3}]";

    @BeforeAll
    static void files() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 6, 3);
        file = Cli.write(tmp.resolve("exp/tiny.yaml"), Cli.tinyYaml("tiny", images, 1, ""));
    }

    @Test
    void checkShowsTheEstimateInBothPrecisions() {
        Cli.Out r = Cli.run("check", file.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).containsPattern("memory: [0-9.]+ [KMG]?B parameters \\+ optimizer state \\(1 slot\\),"
                + " activations at batch 6 or test batch 16 .* \\(fp32\\) / .* \\(bf16\\); total .* fp32, .* bf16");
    }

    @Test
    void aNetworkThatCannotFitIsRefusedInOneLineNotACrash() throws Exception {
        Cli.Out c = Cli.run("check", file.toString(), "--set", HUGE);
        assertThat(c.code()).as("%s", c).isEqualTo(1);
        assertThat(c.out()).contains("memory:");
        assertThat(c.errLines()).hasSize(1);
        assertThat(c.err()).startsWith("runner: the network needs about ").contains("3,288,334,339 parameters")
                .contains("use a smaller network or batch");

        Path results = tmp.resolve("results");
        Cli.Out r = Cli.run("run", file.toString(), "--set", HUGE, "--results", results.toString());
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("runner: the network needs about ");
        assertThat(results.resolve("tiny")).doesNotExist();
        try (Stream<Path> s = Files.list(Path.of("."))) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("hs_err_pid"));
        }
    }

    @Test
    void aSweepTrialThatCannotFitRecordsTheLine() throws Exception {
        Path results = tmp.resolve("sweep-results");
        Cli.Out r = Cli.run("sweep", file.toString(), "--grid", "model.layers=[flatten, {dense: 16777216},"
                + " {dense: 3}]", "--workers", "1", "--results", results.toString(), "--data-root", tmp.toString());
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        Path sweep;
        try (Stream<Path> s = Files.list(results.resolve("tiny"))) {
            sweep = s.filter(p -> p.getFileName().toString().startsWith("sweep-")).findFirst().orElseThrow();
        }
        JsonNode t = Cli.json(sweep.resolve("sweep.json")).get("trials").get(0);
        assertThat(t.get("status").asText()).isEqualTo("failed");
        assertThat(t.get("error").asText()).startsWith("runner: the network needs about ");
    }
}
