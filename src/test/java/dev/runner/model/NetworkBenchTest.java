package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Sgd;

class NetworkBenchTest {
    @Test
    void measuresTrainingAndInferenceOnTheNetworksOwnInputShape() {
        for (String layout : new String[] {"NCHW", "NHWC"}) {
            Network net = ModelCompiler.computationGraph().compile(TestSpecs.tutorialCnn(),
                    new CompileOptions(1, new Sgd(0.01), 0, layout));
            int before = net.graph().getIterationCount();
            NetworkBench.Result r = NetworkBench.measure(net, 4, 8, 5, 2);
            assertThat(net.graph().getIterationCount() - before).isEqualTo(7); // warm-up + timed steps
            assertThat(r.trainImagesPerS()).isPositive().isFinite();
            assertThat(r.evalImagesPerS()).isPositive().isFinite();
            assertThat(r.params()).isEqualTo(62_006);
            Map<String, Object> m = r.toMap();
            assertThat(m.keySet()).startsWith("train_images_per_s", "eval_images_per_s", "params", "engine", "device",
                    "engine_why");
            assertThat(m.get("engine")).isEqualTo(net.placement().engine());
            assertThat(m.get("device")).isEqualTo("cpu");
            assertThat((Long) m.get("peak_rss_mb")).isPositive();
            assertThat(m).containsEntry("steps", 5).containsEntry("warmup", 2);
            // on the oneDNN engine, the primitives that ran oneDNN's reference code: none for this network
            if (net.placement().engine().equals("onednn")) {
                assertThat(m.get("slow_kernels")).isEqualTo(java.util.List.of());
            } else {
                assertThat(m).doesNotContainKey("slow_kernels");
            }
        }
        Network net = ModelCompiler.computationGraph().compile(TestSpecs.tutorialCnn(),
                CompileOptions.defaults(1, new Sgd(0.01)));
        assertThatThrownBy(() -> NetworkBench.measure(net, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
