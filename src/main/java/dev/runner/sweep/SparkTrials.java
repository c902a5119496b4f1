package dev.runner.sweep;

import dev.runner.UserError;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;

/**
 * {@code --spark MASTER}: one Spark job of one task per trial, as many at once as the cluster has task slots. The
 * task unpacks the trial (its experiment, and its run folder when resuming) into a temporary folder on the
 * executor, runs it as a child process ({@link TrialProcess}) and returns the folder packed as a zip, which the
 * driver unpacks into the sweep folder: trials end up in the driver's results whether or not the executors share
 * its filesystem. The data root is the driver's {@code --data-root}, which must be the same path on every executor
 * (or, without {@code --data-root}, each executor's {@code $RUNNER_DATA} or {@code ./data}, where CIFAR-10 is
 * downloaded when missing).
 *
 * <p>A trial that fails (diverges, runs out of memory, is killed) is a result the task returns, never an exception
 * it throws: Spark retries a task only when its executor is lost, so a deterministic failure runs once.
 */
public final class SparkTrials implements TrialExecutor {
    private final JavaSparkContext sc;
    private final String master;
    private final boolean local;
    private final int slots;
    private final int threads;
    private final String dataRoot;
    private final String mainClass;

    /**
     * @param dataRoot  --data-root for the trials (the same path on every executor), or null for their default
     * @param mainClass the class whose {@code main} is {@code runner} (its {@code run} command runs a trial)
     */
    /** The forms of a Spark master URL (Spark's own): local, local[N], local[*], local[N,F], spark://, yarn, k8s://. */
    private static final java.util.regex.Pattern MASTER = java.util.regex.Pattern.compile(
            "local(\\[(\\*|[1-9][0-9]{0,4})(,[0-9]{1,4})?])?|(spark|k8s|mesos)://[^\\s]+|yarn");

    /** A {@code --spark} value that is no Spark master URL is a usage error (exit 2), before anything starts. */
    public static void checkMaster(String master) {
        if (!MASTER.matcher(master).matches()) {
            throw new UserError("--spark " + dev.runner.Text.printable(master, 80) + ": not a Spark master (expected"
                    + " local[N], spark://HOST:PORT, yarn or k8s://...)", 2, null);
        }
    }

    public SparkTrials(String master, String appName, String dataRoot, String mainClass) {
        checkMaster(master);
        this.master = master;
        this.mainClass = mainClass;
        this.local = master.startsWith("local");
        this.dataRoot = dataRoot == null ? null : Path.of(dataRoot).toAbsolutePath().toString();
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        if (local) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.ui.enabled", "false");
        }
        dev.runner.model.ModelZip.allowSpark(true);   // Spark's tasks and results are Java objects
        try {
            sc = new JavaSparkContext(conf);
        } catch (Exception | ExceptionInInitializerError e) {     // Scala throws SparkException unchecked
            dev.runner.model.ModelZip.allowSpark(false);
            throw new UserError("--spark " + master + ": cannot start Spark: " + firstLine(e), 1, e);
        }
        int taskCpus = Math.max(1, conf.getInt("spark.task.cpus", 1));
        this.slots = Math.max(1, sc.defaultParallelism() / taskCpus);
        this.threads = local ? Math.max(1, Runtime.getRuntime().availableProcessors() / slots) : taskCpus;
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public String describe() {
        return "spark " + master + " (" + slots + " task" + (slots == 1 ? "" : "s") + " at once, " + threads
                + " thread" + (threads == 1 ? "" : "s") + " each)";
    }

    @Override
    public int run(Path sweep, String name, boolean resume, int pauseAfter) {
        Input in = new Input(name, resume, pauseAfter, pack(sweep, name));
        sc.setJobGroup("trial " + name, "runner sweep trial " + name, true);
        Output out;
        try {
            out = sc.parallelize(List.of(in), 1).map(new Task(mainClass, dataRoot, threads)).collect().get(0);
        } catch (Exception e) {              // Spark's exceptions are checked ones thrown unchecked
            TrialProcess.appendOutput(sweep, name, "runner: the Spark task did not return: " + firstLine(e));
            return 130;
        }
        if (out.zip() != null) {
            unpack(out.zip(), sweep, name);
        }
        if (out.error() != null) {
            TrialProcess.appendOutput(sweep, name, "runner: " + out.error());
        }
        return out.exitCode();
    }

    @Override
    public void stop() {
        TrialProcess.stopAll();           // local mode: the trial processes are this JVM's children
        if (!local) {
            sc.cancelAllJobs();           // on a cluster: the tasks are killed, their trials start over on --resume
        }
    }

    @Override
    public void close() {
        try {
            sc.stop();
        } finally {
            dev.runner.model.ModelZip.allowSpark(false);
        }
    }

    /** What a task gets: the trial's name and its files packed. */
    record Input(String name, boolean resume, int pauseAfter, byte[] zip) implements Serializable {
    }

    /** What a task returns: the trial process's exit code and the trial's files packed (or why it could not run). */
    record Output(int exitCode, byte[] zip, String error) implements Serializable {
    }

    /** The task: runs one trial on an executor in a temporary folder and returns the folder packed. */
    static final class Task implements Function<Input, Output> {
        private static final long serialVersionUID = 1L;
        private final String mainClass;
        private final String dataRoot;
        private final int threads;

        Task(String mainClass, String dataRoot, int threads) {
            this.mainClass = mainClass;
            this.dataRoot = dataRoot;
            this.threads = threads;
        }

        @Override
        public Output call(Input in) throws InterruptedException {
            Path dir = null;
            try {
                dir = Files.createTempDirectory("runner-trial-");
                unpack(in.zip(), dir, in.name());
                int code = TrialProcess.run(mainClass, dir, in.name(), in.resume(), in.pauseAfter(), dataRoot,
                        threads);
                return new Output(code, pack(dir, in.name()), null);
            } catch (InterruptedException e) {
                throw e;
            } catch (Throwable e) {          // a result, never a task failure that Spark would retry
                return new Output(TrialProcess.NOT_STARTED, null, "the Spark task failed: "
                        + e.getClass().getSimpleName() + ": " + firstLine(e));
            } finally {
                if (dir != null) {
                    deleteTree(dir);
                }
            }
        }
    }

    // ---------------------------------------------------------------- packing

    /** {@code dir/NAME.yaml}, {@code dir/NAME.out.txt} and {@code dir/NAME/} as a zip (those that exist). */
    static byte[] pack(Path dir, String name) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Path p : List.of(dir.resolve(name + ".yaml"), TrialProcess.outputFile(dir, name), dir.resolve(name))) {
                if (!Files.exists(p)) {
                    continue;
                }
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                        zip.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
                        Files.copy(f, zip);
                        zip.closeEntry();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack trial " + name + ": " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /**
     * Unpacks a trial's zip into {@code dir}: its run folder {@code dir/NAME/} is replaced by the packed one (the
     * same run, later), the experiment and the output file are rewritten.
     */
    static void unpack(byte[] zipBytes, Path dir, String name) {
        Path root = dir.toAbsolutePath().normalize();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(zipBytes))) {
            boolean cleared = false;
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root) || e.isDirectory()) {
                    continue;
                }
                if (!cleared && target.startsWith(root.resolve(name))) {
                    deleteTree(root.resolve(name));
                    cleared = true;
                }
                Files.createDirectories(target.getParent());
                Files.copy(zip, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack trial " + name + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            // a temporary folder left behind
        }
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
