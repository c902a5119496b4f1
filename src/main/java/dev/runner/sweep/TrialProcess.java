package dev.runner.sweep;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One sweep trial as a child process: {@code java -cp <runner> MAIN run --into TRIAL TRIAL.yaml} (MAIN: runner's
 * main class, which the caller names: {@code dev.runner.cli.Main})
 * (or {@code run --resume TRIAL} to continue it), its console output in {@code TRIAL.out.txt} beside the folder.
 *
 * <p>Why a process and not a call in this JVM: a trial that runs out of memory (Java heap or ND4J's off-heap
 * buffers), crashes in native code or is killed takes only its own process down; its native thread count (ND4J,
 * oneDNN and OpenMP fix theirs per process) can be set per trial, which is how {@code --workers N} divides the
 * cores; and Ctrl-C or SIGTERM reach it as they reach {@code runner run}, which saves a checkpoint. The cost is a
 * JVM start and ND4J's native loading per trial, about 2 s, small next to a trial's training.
 */
final class TrialProcess {
    /** Every trial process of this JVM that is still running (so that a stop reaches them all). */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    /** The exit code when the process could not even be started. */
    static final int NOT_STARTED = -1;

    private TrialProcess() {
    }

    /**
     * Runs one trial in {@code dir} and waits for it; returns its exit code (0 completed, 1 failed, 130
     * interrupted, 128+n killed by signal n).
     *
     * @param main     the class whose {@code main} is {@code runner}
     * @param name     the trial's name: {@code dir/name.yaml} is its experiment, {@code dir/name/} its run folder
     * @param resume   continue the interrupted run in {@code dir/name/}
     * @param pauseAfter stop after this epoch with a checkpoint ({@code run --pause-after}), or 0
     * @param dataRoot --data-root for the trial, or null for its default
     * @param threads  native threads for the trial, or 0 for runner's own choice
     */
    static int run(String main, Path dir, String name, boolean resume, int pauseAfter, String dataRoot,
                   int threads) throws InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-XX:MaxRAM")
                    || a.startsWith("-Dorg.bytedeco.")) {
                cmd.add(a);
            }
        }
        if (threads > 0) {
            cmd.add("-D" + dev.runner.model.Backend.THREADS_PROPERTY + "=" + threads);
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(main);
        cmd.add("run");
        if (dataRoot != null) {
            cmd.add("--data-root");
            cmd.add(dataRoot);
        }
        Path folder = dir.resolve(name);
        if (pauseAfter > 0) {
            cmd.add("--pause-after");
            cmd.add(String.valueOf(pauseAfter));
        }
        if (resume) {
            cmd.add("--resume");
            cmd.add(folder.toString());
        } else {
            cmd.add("--into");
            cmd.add(folder.toString());
            cmd.add(dir.resolve(name + ".yaml").toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile(dir, name).toFile()));
        if (threads > 0) {
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            appendOutput(dir, name, "runner: cannot start the trial's process: " + e.getMessage());
            return NOT_STARTED;
        }
        LIVE.add(p);
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            stop(p);
            throw e;
        } finally {
            LIVE.remove(p);
        }
    }

    /** Asks every running trial of this JVM to stop (SIGTERM: it saves a checkpoint and ends interrupted). */
    static void stopAll() {
        for (Process p : LIVE) {
            p.destroy();
        }
    }

    /** SIGTERM, then waits for the checkpoint to be saved (a second interrupt kills it at once). */
    private static void stop(Process p) {
        p.destroy();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static Path outputFile(Path dir, String name) {
        return dir.resolve(name + ".out.txt");
    }

    static void appendOutput(Path dir, String name, String line) {
        try {
            Files.writeString(outputFile(dir, name), line + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the outcome says it anyway
        }
    }

    /**
     * Why the trial failed, from its output: the last line the runner wrote ({@code runner: ...}); without one, the
     * last non-blank line, unless the process died of a signal ({@code code} above 128: a JVM crash's output is
     * its {@code #} banner, not a reason). Null when there is nothing to say.
     */
    static String lastLine(Path dir, String name, int code) {
        try {
            List<String> lines = java.util.Arrays.asList(new String(Files.readAllBytes(outputFile(dir, name)),
                    java.nio.charset.StandardCharsets.UTF_8).split("\n"));
            String last = null;
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i).strip();
                if (l.startsWith("runner: ")) {
                    return dev.runner.Text.printable(l, 500);
                }
                if (last == null && !l.isBlank()) {
                    last = l;
                }
            }
            return code > 128 || last == null ? null : dev.runner.Text.printable(last, 500);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The class path of runner: its jar when it runs from one (java -jar, or a Spark executor that fetched it),
     * else this JVM's class path (classes folders, as under Maven).
     */
    static String classPath() {
        try {
            Path src = Path.of(TrialProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(src) && src.toString().endsWith(".jar")) {
                return src.toString();
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall back to the class path
        }
        return System.getProperty("java.class.path").replace(File.pathSeparatorChar, File.pathSeparatorChar);
    }

    /** What an exit code means, for sweep.json when the run folder does not say. */
    static String describe(int code) {
        if (code == NOT_STARTED) return "the trial's process could not be started";
        if (code == 137) return "killed (SIGKILL; out of memory?)";
        if (code > 128 && code < 160) return "killed by signal " + (code - 128);
        return "exit code " + code;
    }
}
