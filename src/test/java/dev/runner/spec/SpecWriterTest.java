package dev.runner.spec;

import dev.runner.spec.lang.YNode;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's text reads back as the same values, and is stable. */
class SpecWriterTest {
    @Test
    void trickyValuesSurviveARoundTrip(@TempDir Path dir) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("plain", "resnet9_aug");
        m.put("looks_numeric", "1e3");
        m.put("looks_bool", "yes");
        m.put("looks_null", "null");
        m.put("empty", "");
        m.put("punctuation", "a: b, [c] {d} # e \"quoted\" \\ back");
        m.put("multiline", "line one\nline two\ttab");
        m.put("param", "$channels");
        m.put("tiny", 1e-7);
        m.put("whole_double", 24.0);
        m.put("int", 64);
        m.put("nothing", null);
        m.put("flag", true);
        m.put("empty_list", List.of());
        m.put("empty_map", Map.of());
        m.put("with spaces", 1);
        List<Object> layers = new ArrayList<>();
        for (int i = 0; i < 5; i++)
            layers.add(Map.of("conv", new LinkedHashMap<>(Map.of("filters", 64L * (i + 1)))));
        Map<String, Object> wide = new LinkedHashMap<>();
        for (String k : List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"))
            wide.put(k + "_long_key_name", k + "_long_value");
        layers.add(Map.of("wide", wide));
        m.put("layers", layers);
        m.put("section", new LinkedHashMap<>(Map.of("nested", List.of(List.of(0.0, 0.1), List.of(5.0, 0.0)))));

        String text = SpecWriter.toYaml(m);
        Path f = Files.writeString(dir.resolve("x.yaml"), text);
        Object back = YNode.plain(YamlReader.readFile(f));
        assertThat(back).isEqualTo(normalise(m));
        assertThat(SpecWriter.toYaml(castMap(back))).isEqualTo(text);
        assertThat(text).contains("looks_numeric: \"1e3\"\n", "looks_bool: \"yes\"\n", "tiny: 1.0E-7\n",
                "param: $channels\n", "empty_list: []\n", "  - {conv: {filters: 64}}\n", "  - wide:\n");
    }

    /** Integers read back as Long. */
    private static Object normalise(Object o) {
        if (o instanceof Integer i) return i.longValue();
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k.toString(), normalise(v)));
            return out;
        }
        if (o instanceof List<?> l) return new ArrayList<>(l.stream().map(SpecWriterTest::normalise).toList());
        return o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void experimentsWriteStableText() {
        Experiment e = ExperimentLoader.load(Path.of("experiments/origin.yaml"));
        String text = SpecWriter.toYaml(e.resolved());
        assertThat(Arrays.asList(text.split("\n"))).contains("name: origin", "seed: 42", "epochs: 2",
                "  batch_size: 4", "  sgd: {lr: 0.001, momentum: 0.9, dampening: 0.0, nesterov: false, weight_decay: 0.0}",
                "  feature_maps: {layers: [conv1, conv2], images: 2, indices: []}", "lr_range_test: null");
    }
}
