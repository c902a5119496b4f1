package dev.runner.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Hostile YAML fails fast with one line: size, aliases, depth, tags. */
@Timeout(10)
class SafeLoadingTest {
    @TempDir
    Path dir;
    Yamls y;
    Path t;

    @BeforeEach
    void setUp() {
        y = new Yamls(dir);
        t = dir.resolve("t.yaml");
    }

    @Test
    void billionLaughsHitsTheAliasLimit() {
        StringBuilder sb = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++)
            sb.append("a").append(i).append(": &a").append(i).append(" [").append(("*a" + (i - 1) + ", ").repeat(8))
                    .append("*a").append(i - 1).append("]\n");
        assertThatThrownBy(() -> y.load(sb.toString())).isInstanceOf(SpecException.class)
                .hasMessage(t + ": invalid YAML: Number of aliases for non-scalar nodes exceeds the specified max=50");
    }

    @Test
    void aFewAliasesThatExpandExponentiallyHitTheValueLimit() {
        StringBuilder sb = new StringBuilder("a0: &a0 [x, x]\n");
        for (int i = 1; i < 24; i++)
            sb.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
                    .append(i - 1).append("]\n");
        assertThatThrownBy(() -> y.load(sb.toString())).isInstanceOf(SpecException.class)
                .hasMessageMatching(".*t\\.yaml:\\d+:\\d+: more than 100000 values after expanding aliases");
    }

    @Test
    void aTenMegabyteFileIsRefusedBeforeParsing() throws IOException {
        Files.write(t, new byte[10 * 1024 * 1024]);
        long start = System.nanoTime();
        assertThatThrownBy(() -> ExperimentLoader.load(t)).isInstanceOf(SpecException.class)
                .hasMessage(t + ": file is larger than 1000000 bytes, the limit for experiment files");
        assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "a: " + "[".repeat(200) + "]".repeat(200) + "\n";
        assertThatThrownBy(() -> y.load(deep)).isInstanceOf(SpecException.class)
                .hasMessageStartingWith(t.toString()).hasMessageContaining("invalid YAML: Nesting Depth exceeded max 40");
    }

    @Test
    void tagsAreNeverConstructed() {
        assertThatThrownBy(() -> y.load("a: !!javax.script.ScriptEngineManager [x]\n"))
                .hasMessageStartingWith(t + ":1:4: ").hasMessageContaining("not allowed");
        assertThatThrownBy(() -> y.load("a: !custom x\n")).hasMessage(t + ":1:4: YAML tags such as !custom are not allowed");
        assertThatThrownBy(() -> y.load("base: &b {x: 1}\nother:\n  <<: *b\n"))
                .hasMessage(t + ":3:3: merge keys (<<) are not supported; use extends");
    }

    @Test
    void smallAliasesStillWork() {
        Experiment e = y.load(Yamls.BASE + "data: {normalize: {mean: &half [0.5, 0.5, 0.5], std: *half}}\n");
        assertThat(e.data().normalize().std()).containsExactly(0.5, 0.5, 0.5);
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> ExperimentLoader.load(dir.resolve("none.yaml")))
                .hasMessage(dir.resolve("none.yaml") + ": file not found");
    }
}
