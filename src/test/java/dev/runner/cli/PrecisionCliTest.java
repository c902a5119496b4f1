package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.model.onednn.CpuIsa;
import dev.runner.model.onednn.OneDnnStep;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code precision}: shown by check and recorded in provenance.json; refused with one line where it cannot run. */
class PrecisionCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path good;

    @BeforeAll
    static void files() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 4, 2);
        good = Cli.write(tmp.resolve("good.yaml"), Cli.tinyYaml("good", images, 1, ""));
    }

    @Test
    void checkShowsThePrecisionAndRefusesOneThatCannotRunInOneLine() throws Exception {
        Cli.Out r = Cli.run("check", good.toString());
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out()).containsPattern("(?m)^precision: fp32 \\(precision fp32 asked for\\)$");

        Cli.Out bad = Cli.run("check", good.toString(), "--set", "precision=fp16");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(CommandsCliTest.oneLine(bad)).contains("--set precision=fp16").contains("fp32, bf16, auto");

        Cli.Out dl4j = Cli.run("check", good.toString(), "--set", "precision=bf16", "--engine", "dl4j");
        assertThat(dl4j.code()).as("%s", dl4j).isEqualTo(2);
        assertThat(CommandsCliTest.oneLine(dl4j))
                .isEqualTo("precision: bf16 runs on the onednn engine only, and this network runs on dl4j on cpu "
                        + "(engine dl4j asked for): use precision fp32 or auto");

        assumeTrue(OneDnnStep.unavailable() == null, "oneDNN step available");
        {
            String vnni = "avx512_core_vnni";   // a CPU whose oneDNN has no bf16 kernels
            Cli.Out none = Cli.run(Invocation.of("check", good.toString(), "--set", "precision=bf16").withCpuIsa(vnni));
            assertThat(none.code()).as("%s", none).isEqualTo(2);
            assertThat(CommandsCliTest.oneLine(none)).isEqualTo("precision: bf16 needs a CPU with AVX512-BF16 "
                    + "(cpuinfo flag avx512_bf16) or AMX, and oneDNN runs avx512_core_vnni here (precision auto "
                    + "runs fp32 here)");
            Cli.Out auto = Cli.run(Invocation.of("check", good.toString(), "--set", "precision=auto").withCpuIsa(vnni));
            assertThat(auto.out()).containsPattern("(?m)^precision: fp32 \\(auto: bf16 needs a CPU with AVX512-BF16");
            Path results = tmp.resolve("results");
            Cli.Out none2 = Cli.run(Invocation.of("run", good.toString(), "--set", "precision=bf16", "--results",
                    results.toString()).withCpuIsa(vnni));
            assertThat(none2.code()).isEqualTo(2);
            assertThat(results).doesNotExist();
        }

        assumeTrue(CpuIsa.hasBf16(CpuIsa.effective()), "a CPU with bf16 kernels");
        Cli.Out half = Cli.run("check", good.toString(), "--set", "precision=bf16");
        assertThat(half.out()).containsPattern("(?m)^precision: bf16 \\(precision bf16 asked for\\)$");
        // each layer's precision at the batch size: this network's layers are far too small for bf16 to pay
        assertThat(half.out()).containsPattern("(?m)^name +type +output shape +params +precision$")
                .containsPattern("(?m)^conv1 +conv +4x6x6 +112 +fp32$").containsPattern("(?m)^relu1 .* fp32$");
        System.setProperty(dev.runner.model.Precision.MIN_WORK_PROPERTY, "0");
        try {
            Cli.Out all = Cli.run("check", good.toString(), "--set", "precision=bf16");
            assertThat(all.out()).containsPattern("(?m)^conv1 +conv +4x6x6 +112 +bf16$")
                    .containsPattern("(?m)^maxpool1 .* bf16$").containsPattern("(?m)^fc1 .* bf16$");
        } finally {
            System.clearProperty(dev.runner.model.Precision.MIN_WORK_PROPERTY);
        }
        assertThat(Cli.run("check", good.toString()).out()).doesNotContain("precision\n").doesNotContain(" fp32\n");
        Path results = tmp.resolve("bf16");
        Cli.Out run = Cli.run("run", good.toString(), "--set", "precision=auto", "--results", results.toString());
        assertThat(run.code()).as("%s", run).isZero();
        Path folder = Cli.onlyRun(results, "good");
        JsonNode p = Cli.json(folder.resolve("provenance.json"));
        assertThat(p.get("precision").get("precision").asText()).isEqualTo("bf16");
        assertThat(p.get("precision").get("why").asText()).startsWith("auto: oneDNN's bf16 kernels (");
        assertThat(p.get("precision").get("layers").get("conv1").asText()).isEqualTo("fp32");
        assertThat(p.get("precision").get("layers").size()).isEqualTo(5);
        assertThat(Files.readString(folder.resolve("experiment.yaml"))).contains("precision: auto");
    }
}
