package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReaderTest {
    @Test
    void aRangeTestFolderHasTheStatusItsJsonRecords(@TempDir Path root) throws Exception {
        Path failed = Files.createDirectories(root.resolve("lrfind/20261127-101500"));
        Files.writeString(failed.resolve("lr_range_test.json"),
                "{\"status\": \"failed\", \"error\": \"loss is NaN at iteration 3\"}");
        Path done = Files.createDirectories(root.resolve("lrfind/20261127-101400"));
        Files.writeString(done.resolve("lr_range_test.json"), "{\"status\": \"completed\", \"error\": null}");

        RunReader.Run r = RunReader.read(failed);
        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.error()).isEqualTo("loss is NaN at iteration 3");
        assertThat(r.completed()).isFalse();
        assertThat(RunReader.read(done).completed()).isTrue();
        assertThat(RunReader.newestRun(root, "lrfind", true)).isEqualTo(done);
    }
}
