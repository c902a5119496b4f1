package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {
    static String gitHead() throws Exception {
        Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        return p.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
    }

    @TempDir
    Path dir;

    @Test
    void recordsVersionsMachineDataHashesCommandLineAndTimes() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path f = Files.writeString(data.resolve("batch.bin"), "abc");
        Provenance.start(dir, new Provenance.Input(7, data, List.of(f), List.of("run", "x.yaml"),
                Map.of("backend", "CPU", "classifier", "linux-x86_64-onednn-avx2")),
                Instant.parse("2026-11-27T22:30:01Z"));
        JsonNode n = new ObjectMapper().readTree(dir.resolve("provenance.json").toFile());
        assertThat(n.get("runner_version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");   // the pom's version
        assertThat(n.get("dl4j_version").asText()).isEqualTo("1.0.0-M2.1");
        assertThat(n.get("nd4j_version").asText()).isEqualTo("1.0.0-M2.1");
        assertThat(n.get("java").asText()).startsWith(System.getProperty("java.version"));
        assertThat(n.get("backend").get("classifier").asText()).isEqualTo("linux-x86_64-onednn-avx2");
        assertThat(n.get("cpu").asText()).isNotBlank();
        assertThat(n.get("threads").asInt()).isPositive();
        assertThat(n.get("seed").asLong()).isEqualTo(7);
        assertThat(n.get("data_root").asText()).isEqualTo(data.toAbsolutePath().toString());
        // sha256("abc")
        assertThat(n.get("data_files").get(0).get("sha256").asText())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(n.get("command_line").toString()).isEqualTo("[\"run\",\"x.yaml\"]");
        assertThat(n.get("start_time").asText()).isEqualTo("2026-11-27T22:30:01Z");
        assertThat(n.get("end_time").isNull()).isTrue();
        // the classes live in target/ of this checkout: the same commit as git says here (null outside git)
        String head = gitHead();
        if (head == null) {
            assertThat(n.get("git_commit").isNull()).isTrue();
        } else {
            assertThat(n.get("git_commit").asText()).isEqualTo(head);
        }

        Provenance.resume(dir, List.of("run", "--resume", "f"), Instant.parse("2026-11-27T23:00:00Z"));
        Provenance.end(dir, Instant.parse("2026-11-27T23:10:00Z"));
        n = new ObjectMapper().readTree(dir.resolve("provenance.json").toFile());
        assertThat(n.get("resumes").get(0).get("time").asText()).isEqualTo("2026-11-27T23:00:00Z");
        assertThat(n.get("end_time").asText()).isEqualTo("2026-11-27T23:10:00Z");
        assertThat(n.get("start_time").asText()).isEqualTo("2026-11-27T22:30:01Z");
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aLookupThatHangsIsCutOffAtItsTimeout() {
        // a command that never writes and never ends: with the old pipe read it blocked for its whole 30 s
        assertThat(Provenance.output(java.util.List.of("sleep", "30"), 300)).isNull();
        assertThat(Provenance.output(java.util.List.of("echo", "abc"), 10_000)).isEqualTo("abc");
    }
}
