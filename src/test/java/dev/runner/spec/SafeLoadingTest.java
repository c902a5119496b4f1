package dev.runner.spec;

import dev.runner.spec.lang.SpecException;
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
                // the 51st alias, found by the parser's events (SnakeYAML's composer gives no position)
                .hasMessage(t + ":7:35: invalid YAML: Number of aliases for non-scalar nodes exceeds the specified"
                        + " max=50");
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

    @Test
    void aFileThatClaimsToBeEmptyButNeverEndsIsRefused() {
        // /dev/zero: Files.size() says 0, reading never ends
        Path zero = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(zero));
        assertThatThrownBy(() -> ExperimentLoader.load(zero)).isInstanceOf(SpecException.class)
                .hasMessage("/dev/zero: not a regular file");
    }

    @Test
    void aFileThatIsNotUtf8NamesTheFirstBadByte() throws IOException {
        Files.write(t, "name: a\ndescription: caf".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.write(t, new byte[] {(byte) 0xE9, '\n'}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> ExperimentLoader.load(t)).isInstanceOf(SpecException.class)
                .hasMessage(t + ":2:17: not UTF-8 text (byte 0xE9); save the file as UTF-8");
    }

    @Test
    void extendsNamesOnlyExperimentFilesAndNeverQuotesAnotherFile() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "root:hunter2:19000:0:99999:7:::\n");
        Path child = y.write("child.yaml", "extends: secret.txt\nepochs: 1\n");
        assertThatThrownBy(() -> ExperimentLoader.load(child)).isInstanceOf(SpecException.class)
                .hasMessage(child + ":1:10: extends: can only name an experiment file (.yaml or .yml), not " + secret)
                .hasMessageNotContaining("hunter2");
        Path etc = y.write("etc.yaml", "extends: /etc/passwd\n");
        assertThatThrownBy(() -> ExperimentLoader.load(etc)).isInstanceOf(SpecException.class)
                .hasMessageContaining("extends: can only name an experiment file (.yaml or .yml), not /etc/passwd")
                .hasMessageNotContaining("root:");
        // a .yaml file that is not an experiment (its top is not a map): named, never quoted
        Path other = Files.writeString(dir.resolve("other.yaml"), "hunter2-token-value\n");
        Path child2 = y.write("child2.yaml", "extends: other.yaml\n");
        assertThatThrownBy(() -> ExperimentLoader.load(child2)).isInstanceOf(SpecException.class)
                .hasMessage(child2 + ":1:10: extends: " + other + " is not an experiment file (its top level is not"
                        + " a map of keys)");
    }
}
