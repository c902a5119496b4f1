package dev.runner.spec;

import dev.runner.spec.layers.Dense;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file in experiments/ loads, and the report's networks have PyTorch's sizes. */
class ExperimentsTest {
    static final Path DIR = Path.of("experiments");

    static Stream<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyExperimentLoadsAndRoundTrips(Path file) throws IOException {
        Experiment e = ExperimentLoader.load(file);
        assertThat(e.name()).isEqualTo(file.getFileName().toString().replace(".yaml", ""));
        assertThat(e.description()).isNotBlank();
        Path copy = Files.createTempDirectory("spec").resolve("experiment.yaml");
        Files.writeString(copy, SpecWriter.toYaml(e.resolved()));
        Experiment again = ExperimentLoader.load(copy);
        assertThat(again.resolved()).isEqualTo(e.resolved());
        assertThat(SpecWriter.toYaml(again.resolved())).isEqualTo(SpecWriter.toYaml(e.resolved()));
        assertThat(Describe.model(again.model())).isEqualTo(Describe.model(e.model()));
        assertThat(again.optimizer()).isEqualTo(e.optimizer());
        assertThat(again.schedule()).isEqualTo(e.schedule());
        assertThat(again.lrRangeTest()).isEqualTo(e.lrRangeTest());
        assertThat(again.visualize()).isEqualTo(e.visualize());
    }

    @Test
    void originIsTheTutorialCnn() {
        Experiment e = ExperimentLoader.load(DIR.resolve("origin.yaml"));
        ModelSpec m = e.model();
        assertThat(m.nodes()).extracting(LayerNode::name).containsExactly("conv1", "relu1", "maxpool1", "conv2",
                "relu2", "maxpool2", "flatten1", "fc1", "relu3", "fc2", "relu4", "fc3");
        assertThat(Shapes.infer(m).get("flatten1")).containsExactly(400);
        assertThat(Shapes.totalParams(m)).isEqualTo(62_006);
        assertThat(e.optimizer()).isEqualTo(new OptimizerSpec("sgd", 1e-3, null, 0.9, 0, false, 0, 0, 0, 0));
        assertThat(e.data().batchSize()).isEqualTo(4);
        assertThat(e.data().normalize().mean()).containsExactly(0.5, 0.5, 0.5);
        assertThat(e.epochCount()).isEqualTo(2);
        assertThat(e.evaluate()).isEqualTo(new EvaluateSpec(true, true));
        assertThat(e.visualize().featureMapLayers()).containsExactly("conv1", "conv2");
        assertThat(e.schedule()).isEqualTo(new ScheduleSpec.Constant());
        assertThat(e.lrRangeTest()).isNull();
    }

    @Test
    void origin4epOnlyChangesEpochsAndDescription() {
        Experiment a = ExperimentLoader.load(DIR.resolve("origin.yaml"));
        Experiment b = ExperimentLoader.load(DIR.resolve("origin_4ep.yaml"));
        assertThat(b.name()).isEqualTo("origin_4ep");
        assertThat(b.epochCount()).isEqualTo(4);
        Map<String, Object> ra = new java.util.LinkedHashMap<>(a.resolved()), rb = new java.util.LinkedHashMap<>(b.resolved());
        for (String k : List.of("name", "description", "epochs")) {
            ra.remove(k);
            rb.remove(k);
        }
        assertThat(rb).isEqualTo(ra);
    }

    @Test
    void resnet9HasTheReportsSize() {
        Experiment e = ExperimentLoader.load(DIR.resolve("resnet9.yaml"));
        ModelSpec m = e.model();
        assertThat(Shapes.totalParams(m)).isEqualTo(4_903_242);
        LayerNode last = m.nodes().get(m.nodes().size() - 1);
        assertThat(last.layer()).isEqualTo(new Dense(10, true, null));
        assertThat(Shapes.infer(m).get(last.inputs().get(0))).containsExactly(512);
        assertThat(m.output()).isEqualTo(last.name()).isEqualTo("fc1");
        assertThat(e.optimizer()).isEqualTo(new OptimizerSpec("sgd", 5e-3, null, 0.9, 0, false, 0.032, 0, 0, 0));
        assertThat(e.schedule()).isEqualTo(new ScheduleSpec.Cosine(0, null));
        assertThat(e.epochCount()).isEqualTo(24);
        assertThat(e.data().batchSize()).isEqualTo(64);
    }

    @Test
    void lrFindAndAugExtendResnet9() {
        Experiment f = ExperimentLoader.load(DIR.resolve("resnet9_lrfind.yaml"));
        assertThat(f.lrRangeTest()).isEqualTo(new LrRangeTestSpec(1e-7, 1, 300, "exp", 0.05, 5));
        assertThat(Shapes.totalParams(f.model())).isEqualTo(4_903_242);
        Experiment a = ExperimentLoader.load(DIR.resolve("resnet9_aug.yaml"));
        assertThat(a.data().augment()).containsExactly(new TransformSpec.Pad(4, "zero"),
                new TransformSpec.RandomCrop(32), new TransformSpec.HorizontalFlip(0.5));
        assertThat(a.data().normalize().std()).containsExactly(0.5, 0.5, 0.5);
        assertThat(a.epochCount()).isEqualTo(24);
    }
}
