package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.Json;
import dev.runner.model.onednn.OneDnnStep;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code runner bench} on the benchmark networks reports no primitive running oneDNN's slow generic code. Not
 * tiny.yaml: its sigmoid on 8 channels (in a map blocked by 16, half padding) runs oneDNN's reference eltwise, a
 * finding of the report that issue 27's layout fixes are to remove.
 */
class BenchSlowKernelsCliTest {
    @Test
    void benchmarkNetworksRunNoSlowKernel() throws Exception {
        assumeTrue(OneDnnStep.unavailable() == null, "oneDNN available");
        for (String name : List.of("branches", "gelu_mlp", "inverted_res", "respool", "vgg_dropout", "wide")) {
            String file = "bench/networks/" + name + ".yaml";
            Cli.Out r = Cli.run("bench", file, "--engine", "onednn", "--no-data", "--steps", "1", "--warmup", "1",
                    "--batch", "8", "--eval-batch", "8");
            assertThat(r.code()).as("%s", r).isZero();
            JsonNode line = Json.MAPPER.readTree(r.out().strip().lines().reduce((a, b) -> b).orElseThrow());
            assertThat(line.get("engine").asText()).isEqualTo("onednn");
            assertThat(line.get("slow_kernels")).as(file + ": " + r.err()).isNotNull().isEmpty();
            assertThat(r.err()).doesNotContain("slow generic code");
        }
    }
}
