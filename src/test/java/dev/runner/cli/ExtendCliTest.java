package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner run --resume RUN --set epochs=N}: a completed run trained further. */
class ExtendCliTest {
    @TempDir
    Path tmp;

    static JsonNode withoutSeconds(JsonNode metrics) {
        ObjectNode m = metrics.deepCopy();
        m.get("epochs").forEach(e -> ((ObjectNode) e).remove("seconds"));
        return m;
    }

    @Test
    void extendingACompletedRunEqualsOneStraightRunAtConstantLr() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 8, 3);
        Path file = Cli.write(tmp.resolve("e.yaml"), Cli.tinyYaml("e", images, 2, "schedule: constant\n"));
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Cli.Out first = Cli.run("run", file.toString(), "--results", a.toString());
        assertThat(first.code()).as(first.toString()).isZero();
        Path run = Cli.onlyRun(a, "e");
        Cli.Out ext = Cli.run("run", "--resume", run.toString(), "--set", "epochs=3");
        assertThat(ext.code()).as(ext.toString()).isZero();
        assertThat(ext.out()).contains("Extending e from 2 to 3 epochs");
        Cli.Out straight = Cli.run("run", file.toString(), "--results", b.toString(), "--set", "epochs=3");
        assertThat(straight.code()).as(straight.toString()).isZero();
        Path other = Cli.onlyRun(b, "e");

        JsonNode m = Cli.json(run.resolve("metrics.json"));
        assertThat(m.path("status").asText()).isEqualTo("completed");
        assertThat(m.path("epochs")).hasSize(3);
        assertThat(withoutSeconds(m)).isEqualTo(withoutSeconds(Cli.json(other.resolve("metrics.json"))));
        assertThat(Files.readAllBytes(run.resolve("model.zip"))).isEqualTo(Files.readAllBytes(other.resolve("model.zip")));
        assertThat(Files.readString(run.resolve("experiment.yaml"))).isEqualTo(Files.readString(other.resolve("experiment.yaml")));
        assertThat(run.resolve("checkpoint")).doesNotExist();
        JsonNode prov = Cli.json(run.resolve("provenance.json"));
        assertThat(prov.toString()).contains("epochs=3");

        Cli.Out notMore = Cli.run("run", "--resume", run.toString(), "--set", "epochs=3");
        assertThat(notMore.code()).isEqualTo(2);
        assertThat(notMore.errLines()).hasSize(1);
        assertThat(notMore.err()).contains("trained 3 epochs already");
        Cli.Out other2 = Cli.run("run", "--resume", run.toString(), "--set", "seed=1");
        assertThat(other2.code()).isEqualTo(2);
        assertThat(other2.err()).contains("only epochs can be set");
        Cli.Out plain = Cli.run("run", "--resume", run.toString());
        assertThat(plain.code()).isEqualTo(1);
        assertThat(plain.err()).contains("already completed").contains("--set epochs=N");
    }
}
