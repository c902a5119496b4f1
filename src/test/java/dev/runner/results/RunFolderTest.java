package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.runner.UserError;

class RunFolderTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T22:30:01Z"), ZoneOffset.UTC);

    @TempDir
    Path root;

    @Test
    void runIdIsTheUtcStartTimeWithSuffixesWhenTaken() throws Exception {
        Path a = RunFolder.create(root, "origin", CLOCK);
        Path b = RunFolder.create(root, "origin", CLOCK);
        Path c = RunFolder.create(root, "origin", CLOCK);
        assertThat(a).isEqualTo(root.resolve("origin/20261127-223001"));
        assertThat(b).isEqualTo(root.resolve("origin/20261127-223001-2"));
        assertThat(c).isEqualTo(root.resolve("origin/20261127-223001-3"));
        assertThat(a).isDirectory();
        assertThat(RunFolder.create(root.resolve("new/root"), "x", CLOCK))
                .isEqualTo(root.resolve("new/root/x/20261127-223001"));
    }

    @Test
    void anExistingFolderIsNeverReusedOrOverwritten() throws Exception {
        Path first = RunFolder.create(root, "e", CLOCK);
        Files.writeString(first.resolve("metrics.json"), "{\"status\":\"completed\"}");
        Path second = RunFolder.create(root, "e", CLOCK);
        assertThat(second).isNotEqualTo(first);
        assertThat(Files.readString(first.resolve("metrics.json"))).isEqualTo("{\"status\":\"completed\"}");
        try (var s = Files.list(second)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void concurrentRunsGetDistinctFolders() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Path>> jobs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                jobs.add(() -> RunFolder.create(root, "race", CLOCK));
            }
            Set<Path> got = new HashSet<>();
            for (Future<Path> f : pool.invokeAll(jobs)) {
                got.add(f.get());
            }
            assertThat(got).hasSize(16);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void namesThatWouldEscapeTheRootAreRejected() {
        assertThatThrownBy(() -> RunFolder.create(root, "../x", CLOCK)).isInstanceOf(UserError.class)
                .hasMessageContaining("../x");
        assertThatThrownBy(() -> RunFolder.create(root, "..", CLOCK)).isInstanceOf(UserError.class);
        assertThatThrownBy(() -> RunFolder.create(root, "", CLOCK)).isInstanceOf(UserError.class);
    }
}
