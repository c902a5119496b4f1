package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every benchmark network under bench/networks/ passes {@code runner check} on the oneDNN engine, in one call. */
class BenchNetworksCliTest {
    @Test
    void everyBenchNetworkPassesCheckOnTheOneDnnEngine() throws IOException {
        List<String> files;
        try (Stream<Path> s = Files.list(Path.of("bench", "networks"))) {
            files = s.map(Path::toString).filter(p -> p.endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(5);
        String[] args = Stream.concat(Stream.of("check", "--engine", "onednn"), files.stream()).toArray(String[]::new);
        Cli.Out r = Cli.run(args);
        assertThat(r.code()).as("%s", r).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("total trainable parameters"))).hasSize(files.size());
        assertThat(r.out().lines().filter(l -> l.startsWith("engine: onednn on cpu"))).hasSize(files.size());
    }
}
