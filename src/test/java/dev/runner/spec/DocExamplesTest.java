package dev.runner.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples in docs/experiment-files.md are real, loadable files. */
class DocExamplesTest {
    static final Path DOC = Path.of("docs/experiment-files.md");
    static final Path RES = Path.of("src/test/resources/spec");

    static List<String> yamlBlocks() throws IOException {
        Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    @Test
    void theDocShowsTheTestedFilesVerbatim() throws IOException {
        List<String> blocks = yamlBlocks();
        assertThat(blocks).contains(Files.readString(RES.resolve("vgg_cifar.yaml")),
                Files.readString(RES.resolve("inception_cifar.yaml")));
    }

    @Test
    void everyCompleteExperimentInTheDocLoads(@TempDir Path dir) throws IOException {
        int n = 0;
        for (String block : yamlBlocks()) {
            if (!block.contains("model:") || !block.contains("optimizer:") || block.contains("extends:")) continue;
            Path f = Files.writeString(dir.resolve("doc" + n++ + ".yaml"), block);
            assertThat(ExperimentLoader.load(f).model().nodes()).isNotEmpty();
        }
        assertThat(n).isGreaterThanOrEqualTo(3);
    }

    @Test
    void vggExample() {
        Experiment e = ExperimentLoader.load(RES.resolve("vgg_cifar.yaml"));
        Map<String, int[]> shapes = Shapes.infer(e.model());
        assertThat(shapes.get("stage5.maxpool1")).containsExactly(512, 1, 1);
        assertThat(shapes.get("flatten1")).containsExactly(512);
        assertThat(e.model().nodes()).extracting(LayerNode::name).contains("stage3.conv1", "stage3.conv2", "fc2")
                .doesNotContain("stage1.conv2");
        // torchvision-style VGG11-bn body on CIFAR: convs 9,217,728 + bn 5,504 + fc 262,656 + 5,130
        assertThat(Shapes.totalParams(e.model())).isEqualTo(9_217_728 + 5_504 + 262_656 + 5_130);
        assertThat(e.schedule()).isEqualTo(new ScheduleSpec.LinearWarmup(1, 0.1, new ScheduleSpec.Cosine(0, null)));
        assertThat(e.optimizer().nesterov()).isTrue();
        assertThat(e.visualize().featureMapLayers()).containsExactly("stage1.conv1", "stage3.conv2");
    }

    @Test
    void inceptionExample() {
        Experiment e = ExperimentLoader.load(RES.resolve("inception_cifar.yaml"));
        Map<String, int[]> shapes = Shapes.infer(e.model());
        assertThat(shapes.get("inception1.concat1")).containsExactly(128, 32, 32);
        assertThat(shapes.get("mixed.concat1")).containsExactly(240, 16, 16);
        LayerNode concat = e.model().nodes().stream().filter(n -> n.name().equals("mixed.concat1")).findFirst().orElseThrow();
        assertThat(concat.inputs()).containsExactly("mixed.b1", "mixed.b2", "mixed.b3", "mixed.b4");
        LayerNode branch = e.model().nodes().stream().filter(n -> n.name().equals("mixed.conv2")).findFirst().orElseThrow();
        assertThat(branch.inputs()).containsExactly("maxpool1");
        assertThat(e.visualize().featureMapIndices()).containsExactly(0, 7);
        assertThat(e.optimizer().type()).isEqualTo("adam");
    }
}
