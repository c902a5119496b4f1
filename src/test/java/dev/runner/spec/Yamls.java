package dev.runner.spec;

import dev.runner.spec.lang.SpecException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test helper: experiment files in a temporary folder. */
final class Yamls {
    /** A minimal valid model and optimizer that tests add to. */
    static final String BASE = """
            model: {input: [3, 32, 32], layers: [flatten, {dense: 10}]}
            optimizer: {sgd: {lr: 0.1}}
            """;

    /** An experiment with these block-style layer lines (each "    - ...\n") and an SGD optimizer. */
    static String model(String layers) {
        return "model:\n  input: [3, 32, 32]\n  layers:\n" + layers + "optimizer: {sgd: {lr: 0.1}}\n";
    }

    private final Path dir;

    Yamls(Path dir) {
        this.dir = dir;
    }

    Path write(String name, String text) {
        try {
            Path f = dir.resolve(name);
            Files.writeString(f, text);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Experiment load(String text, String... sets) {
        return ExperimentLoader.load(write("t.yaml", text), List.of(sets));
    }

    /** Asserts the exact one-line message; {@code where} is "line:column" in t.yaml, or null for --set errors. */
    void fails(String text, String where, String message, String... sets) {
        Path f = dir.resolve("t.yaml");
        String expected = (where == null ? "" : f + ":" + where + ": ") + message;
        assertThatThrownBy(() -> load(text, sets)).isInstanceOf(SpecException.class).hasMessage(expected);
    }
}
