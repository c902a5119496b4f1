package dev.runner.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DataRootTest {
    @Test
    void flagBeatsEnvironmentBeatsDefault() {
        assertThat(DataRoot.resolve("/flag", "/env")).isEqualTo(Path.of("/flag"));
        assertThat(DataRoot.resolve(null, "/env")).isEqualTo(Path.of("/env"));
        assertThat(DataRoot.resolve(null, null)).isEqualTo(Path.of("data"));
        assertThat(DataRoot.resolve("", "")).isEqualTo(Path.of("data"));
    }
}
