package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every benchmark network under bench/networks/ passes {@code runner check} (it compiles), in one call. */
class BenchNetworksCliTest {
    @Test
    void everyBenchNetworkPassesCheck() throws IOException {
        List<String> files;
        try (Stream<Path> s = Files.list(Path.of("bench", "networks"))) {
            files = s.map(Path::toString).filter(p -> p.endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(5);
        String[] args = Stream.concat(Stream.of("check"), files.stream()).toArray(String[]::new);
        Cli.Out r = Cli.run(args);
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("total trainable parameters"))).hasSize(files.size());
        assertThat(r.out().lines().filter(l -> l.matches("training: (onednn|dl4j: .+)"))).hasSize(files.size());
    }
}
