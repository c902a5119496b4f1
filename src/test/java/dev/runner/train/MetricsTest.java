package dev.runner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    static Metrics sample() {
        Metrics m = new Metrics("origin", 2, 3, List.of("cat", "dog"));
        m.iterationLoss.addAll(List.of(2.3, 2.1, 1.9, 1.7, 1.6, 1.5));
        m.iterationLr.addAll(List.of(0.001, 1.0E-4, 0.1 + 0.2, 1e-3, 1e-3, 1e-3));
        m.epochs.add(new Metrics.Epoch(1, 2.1, 1.8, 0.4, 0.45, 0.001, 1.5));
        m.epochs.add(new Metrics.Epoch(2, 1.6, 1.5, 0.55, null, 0.001, 1.25));
        Map<String, Double> pc = new LinkedHashMap<>();
        pc.put("cat", 0.5);
        pc.put("dog", 0.6);
        m.fin = new Metrics.Final(0.55, null, pc, null, new long[][] {{5, 5}, {4, 6}});
        m.status = Metrics.COMPLETED;
        return m;
    }

    @Test
    void keysAreInTheDocumentedOrderAndDoublesShortest() {
        String json = sample().toJson();
        String[] keys = {"\"name\"", "\"status\"", "\"error\"", "\"epochs_planned\"", "\"iterations_per_epoch\"",
                "\"classes\"", "\"epochs\"", "\"iterations\"", "\"final\""};
        int at = -1;
        for (String k : keys) {
            int i = json.indexOf(k);
            assertThat(i).as(k).isGreaterThan(at);
            at = i;
        }
        assertThat(json).contains("\"error\" : null")
                .contains("\"lr\" : [ 0.001, 1.0E-4, 0.30000000000000004, 0.001, 0.001, 0.001 ]")
                .contains("\"confusion_matrix\" : [ [ 5, 5 ], [ 4, 6 ] ]")
                .contains("\"train_accuracy\" : null")
                .contains("\"train_per_class_accuracy\" : null");
        // train_accuracy of epoch 2 was not measured: left out of that epoch
        String epoch2 = json.substring(json.indexOf("\"epoch\" : 2"), json.indexOf("\"iterations\""));
        assertThat(epoch2).doesNotContain("train_accuracy");
        String epoch1 = json.substring(json.indexOf("\"epoch\" : 1"), json.indexOf("\"epoch\" : 2"));
        assertThat(epoch1).containsSubsequence("\"epoch\"", "\"train_loss\"", "\"test_loss\"", "\"test_accuracy\"",
                "\"train_accuracy\"", "\"lr\"", "\"seconds\"");
    }

    @Test
    void roundTripsThroughTheFile(@TempDir Path dir) throws Exception {
        Metrics m = sample();
        m.write(dir);
        Metrics back = Metrics.read(dir.resolve("metrics.json"));
        assertThat(back.toJson()).isEqualTo(m.toJson());
        assertThat(back.iterationLr.get(2)).isEqualTo(0.1 + 0.2);
        assertThat(back.epochs.get(1).trainAccuracy()).isNull();
        assertThat(back.fin.confusionMatrix()).isDeepEqualTo(new long[][] {{5, 5}, {4, 6}});
        try (var s = Files.list(dir)) {
            assertThat(s).containsExactly(dir.resolve("metrics.json"));   // no temporary file left behind
        }
    }

    @Test
    void aRunningRunHasNullFinalAndNonFiniteNumbersAreNull() {
        Metrics m = new Metrics("x", 1, 1, List.of("a"));
        m.iterationLoss.add(Double.NaN);
        String json = m.toJson();
        assertThat(json).contains("\"status\" : \"running\"").contains("\"final\" : null")
                .contains("\"loss\" : [ null ]");
    }
}
