package dev.runner.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A child JVM on this test run's class path: the real main class, killable like a real process. */
final class ChildJvm {
    private ChildJvm() {
    }

    /** Starts {@code java JVM_ARGS -cp <this class path> MAIN ARGS} with stdout and stderr into the given files. */
    static Process start(List<String> jvmArgs, String main, List<String> args, Path out, Path err) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("RUNNER_DEBUG");
        pb.environment().remove("RUNNER_DATA");
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
