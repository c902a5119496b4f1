package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The fuzzing harness's three targets, each one case from a {@link FuzzInput}: a mutated experiment file
 * ({@code check}), a mutated results folder ({@code table}, {@code report}, {@code diff}, {@code run --resume}),
 * a random command line. Every case runs in this JVM ({@link Main#execute}) and must end with exit 0, or a non-zero
 * exit and exactly one line on stderr; no stack trace, no "internal error", no content of a file outside the
 * results root, nothing written outside the folder the case may write to, within {@link #CASE_SECONDS} and with
 * the heap below {@link #HEAP_BOUND} after it.
 */
final class FuzzTargets {
    static final int CASE_SECONDS = 120;
    static final long HEAP_BOUND = 3L << 30;
    static final String SECRET = "sk_live_fuzz_0123456789";

    final Path root;
    final Path inputs;
    final Path writable;
    final Path images;
    final Path tiny;
    final List<String> experiments = new ArrayList<>();
    final Path completed;
    final Path resumable;
    final Path sweep;
    final Path secret;
    private final Set<String> cwdBefore;
    int cases;

    /** Sets up the inputs under {@code root}: copies of experiments/, the docs' examples, a run, a sweep. */
    FuzzTargets(Path root) throws Exception {
        this.root = root;
        inputs = Files.createDirectories(root.resolve("inputs"));
        writable = Files.createDirectories(root.resolve("w"));
        secret = Files.writeString(root.resolve("secret.txt"), SECRET + "\n");
        images = Cli.imageFolder(inputs.resolve("images"), 6, 2);
        try (Stream<Path> s = Files.list(Path.of("experiments"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                Files.copy(p, inputs.resolve(p.getFileName()));
                experiments.add(Files.readString(p));
            }
        }
        Pattern block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL);
        for (Path doc : List.of(Path.of("README.md"), Path.of("docs/experiment-files.md"))) {
            Matcher m = block.matcher(Files.readString(doc));
            while (m.find()) {
                experiments.add(m.group(1));
            }
        }
        tiny = Cli.write(inputs.resolve("tiny.yaml"), Cli.tinyYaml("tiny", images, 2, ""));
        experiments.add(Files.readString(tiny));
        Path results = inputs.resolve("base-results");
        Cli.Out r = Cli.run("run", tiny.toString(), "--results", results.toString());
        assertThat(r.code()).as("%s", r).isZero();
        completed = Cli.onlyRun(results, "tiny");
        resumable = inputs.resolve("resumable");
        sweep = inputs.resolve("sweep");
        cwdBefore = workingFolder();
    }

    // ------------------------------------------------------------------ the three targets

    /** A mutated experiment file (from experiments/, the docs' examples, the tiny one), checked. */
    void experimentCase(FuzzInput in) throws Exception {
        Path dir = fresh("exp");
        for (Path p : list(inputs, ".yaml")) {
            Files.copy(p, dir.resolve(p.getFileName()));
        }
        String text = Mutator.mutate(in.pick(experiments), in);
        Path f = dir.resolve(in.chance(3) ? "origin.yaml" : "fuzzed.yaml");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        expectClean(List.of("check", f.toString()), dir);
    }

    /** A results folder with one file mutated (or replaced by a link out, a directory), read by a command. */
    void resultsCase(FuzzInput in) throws Exception {
        Path dir = fresh("res");
        Path results = dir.resolve("results");
        Path run = results.resolve("tiny").resolve(completed.getFileName());
        copyTree(completed, run);
        Path other = results.resolve("tiny").resolve(completed.getFileName() + "-2");
        copyTree(completed, other);
        Path sw = makeSweep(results.resolve("tiny").resolve("sweep-20260101-000000"), run);
        int which = in.below(5);
        Path target = switch (which) {
            case 0 -> run.resolve("metrics.json");
            case 1 -> sw.resolve("sweep.json");
            case 2 -> run.resolve("experiment.yaml");
            case 3 -> run.resolve("model.zip");
            default -> run.resolve("provenance.json");
        };
        boolean resume = in.chance(6);
        if (resume) {
            makeResumable(run, in);
            target = in.chance(2) ? run.resolve("checkpoint/state.json") : in.chance(2)
                    ? run.resolve("checkpoint/model.zip") : run.resolve("checkpoint/metrics.json");
        }
        damage(target, in);
        List<String> args = switch (resume ? 4 : in.below(4)) {
            case 0 -> List.of("table", in.chance(2) ? results.toString() : sw.toString());
            case 1 -> List.of("report", run.toString(), sw.toString(), "-o", dir.resolve("r.md").toString());
            case 2 -> List.of("diff", run.toString(), other.toString(), "--plot", dir.resolve("d.png").toString());
            case 3 -> List.of("table", run.toString(), "--format", in.pick(List.of("text", "markdown", "csv",
                    "json")));
            default -> List.of("run", "--resume", run.toString(), "--data-root", inputs.toString());
        };
        expectClean(args, dir);
    }

    /** A random command line from the commands, their flags and hostile values. */
    void cliCase(FuzzInput in) throws Exception {
        Path dir = fresh("cli");
        List<String> args = new ArrayList<>();
        String cmd = in.pick(List.of("run", "check", "bench", "diff", "report", "sweep", "table", "schema", "help",
                "predict", "evaluate", "", "--help", "--version", "x", tiny.toString()));
        if (!cmd.isEmpty()) {
            args.add(cmd);
        }
        List<String> values = List.of(tiny.toString(), completed.toString(), completed.getParent().toString(),
                dir.resolve("out.md").toString(), dir.resolve("missing/dir/r.md").toString(), secret.toString(),
                "epochs=1", "data.batch_size=0", "data.batch_size=2", "optimizer.sgd.lr=0.01,0.1",
                "model.layers=[flatten, {dense: 16777216}, {dense: 3}]", "0", "-1", "1", "2", "99999999999",
                "bogus://x", "local[1]", "markdown", "json", "html", "test_accuracy", "nope", "onednn", "dl4j",
                "cuda", "cpu", "", "\u001b[31m", "../../../../etc", "=", "a=b=c", Mutator.TOKENS.get(in.below(10)));
        List<String> flags = List.of("--set", "--grid", "--workers", "--spark", "--format", "--metric", "--plot",
                "-o", "--resume", "--engine", "--device", "--steps", "--warmup", "--batch", "--eval-batch",
                "--no-data", "--into", "--help");
        int n = in.below(6);
        for (int i = 0; i < n; i++) {
            if (in.chance(2)) {
                String flag = in.pick(flags);
                if (flag.equals("--workers") || flag.equals("--steps") || flag.equals("--warmup")) {
                    args.add(flag);
                    args.add(in.pick(List.of("0", "-1", "1", "abc", "99999999999")));
                } else {
                    args.add(flag);
                    if (in.chance(4) == false) {
                        args.add(in.pick(values));
                    }
                }
            } else {
                args.add(in.pick(values));
            }
        }
        boolean trains = cmd.equals("run") || cmd.equals("sweep") || cmd.equals("bench")
                || cmd.equals(tiny.toString());
        if (trains) {
            // only the tiny experiment trains here (no downloads), for a few steps, into the case's folder
            args.replaceAll(a -> a.endsWith(".yaml") && !a.equals(tiny.toString()) ? tiny.toString() : a);
            args.add("--set");
            args.add("epochs=1");
            if (cmd.equals("bench")) {
                args.addAll(List.of("--steps", "2", "--warmup", "0"));
            }
            if (cmd.equals("sweep")) {
                args.add("--grid");
                args.add("seed=1");
            }
        }
        if (cmd.equals("run") || cmd.equals("sweep") || cmd.equals(tiny.toString()) || cmd.equals("diff")
                || cmd.equals("report")) {
            args.addAll(List.of("--results", dir.resolve("results").toString()));
        }
        if (trains) {
            args.addAll(List.of("--data-root", inputs.toString()));
        }
        if (cmd.equals("report")) {
            args.addAll(List.of("-o", dir.resolve("report.md").toString()));
        }
        expectClean(args, dir);
    }

    // ------------------------------------------------------------------ the invariant

    /** Runs {@code args} in this JVM and checks the invariant; {@code dir} is the only place it may write. */
    void expectClean(List<String> args, Path dir) throws Exception {
        cases++;
        Set<String> outside = listing(root, dir);
        ExecutorService ex = Executors.newSingleThreadExecutor();
        Cli.Out r;
        try {
            Future<Cli.Out> f = ex.submit(() -> Cli.run(args.toArray(String[]::new)));
            try {
                r = f.get(CASE_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new AssertionError("runner " + show(args) + " ran past " + CASE_SECONDS + " s");
            }
        } finally {
            ex.shutdownNow();
        }
        String what = "runner " + show(args) + "\n" + r;
        assertThat(r.err()).as(what).doesNotContain("internal error").doesNotContain(SECRET);
        assertThat(r.out()).as(what).doesNotContain(SECRET);
        Cli.assertNoStackTrace(r.err());
        if (r.code() != 0) {
            assertThat(r.err().lines().filter(l -> !l.isBlank()).count()).as(what).isEqualTo(1);
        }
        assertThat(listing(root, dir)).as("nothing written outside the case's folder: %s", what)
                .isEqualTo(outside);
        assertThat(workingFolder()).as("nothing written in the working folder: %s", what).isEqualTo(cwdBefore);
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        assertThat(used).as("heap after %s", what).isLessThan(HEAP_BOUND);
        deleteTree(dir);
    }

    static String show(List<String> args) {
        return String.join(" ", args.stream().map(a -> "'" + dev.runner.Text.printable(a, 120) + "'").toList());
    }

    // ------------------------------------------------------------------ results folders

    private Path makeSweep(Path sw, Path trialRun) throws IOException {
        Files.createDirectories(sw);
        copyTree(trialRun, sw.resolve("1_seed=1"));
        Files.writeString(sw.resolve("sweep.json"), """
                {"name": "tiny", "file": "tiny.yaml", "metric": "test_accuracy", "goal": "max", "keys": ["seed"],
                 "set": [], "executor": "workers 1", "command_line": ["sweep"], "created": "2026-01-01T00:00:00Z",
                 "best": "1_seed=1", "trials": [
                  {"index": 1, "name": "1_seed=1", "values": {"seed": 1}, "set": ["seed=1"], "status": "completed",
                   "error": null, "metric": 0.5, "seconds": 1.0},
                  {"index": 2, "name": "2_seed=2", "values": {"seed": 2}, "set": ["seed=2"], "status": "pending",
                   "error": null, "metric": null, "seconds": null}]}
                """);
        return sw;
    }

    /** {@code run} as a run killed in its second epoch: status running, a checkpoint after epoch 1. */
    private void makeResumable(Path run, FuzzInput in) throws IOException {
        Path cp = Files.createDirectories(run.resolve("checkpoint"));
        Files.copy(run.resolve("model.zip"), cp.resolve("model.zip"));
        String m = Files.readString(run.resolve("metrics.json")).replace("\"completed\"", "\"running\"");
        Files.writeString(run.resolve("metrics.json"), m);
        Files.writeString(cp.resolve("metrics.json"), m);
        int ipe = Cli.json(run.resolve("metrics.json")).get("iterations_per_epoch").asInt();
        Files.writeString(cp.resolve("state.json"), "{\"epoch\": 1, \"batchesDone\": 0, \"iteration\": " + 2 * ipe
                + ", \"seed\": 7, \"epochSeconds\": 0.0}\n");
    }

    /** Damages {@code file}: its text mutated, its zip entries mutated, or it replaced by a link out or a folder. */
    private void damage(Path file, FuzzInput in) throws IOException {
        int how = in.below(10);
        if (how == 0) {
            Files.delete(file);
            Files.createSymbolicLink(file, secret);
        } else if (how == 1) {
            Files.delete(file);
            Files.createDirectories(file);
        } else if (how == 2) {
            Files.delete(file);
        } else if (file.getFileName().toString().endsWith(".zip")) {
            mutateZip(file, in);
        } else {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Files.writeString(file, Mutator.mutate(text, in), StandardCharsets.UTF_8);
        }
    }

    private static void mutateZip(Path zip, FuzzInput in) throws IOException {
        List<String> names = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                names.add(e.getName());
                data.add(z.readAllBytes());
            }
        }
        int k = in.below(names.size());
        switch (in.below(5)) {
            case 0 -> names.set(k, in.pick(List.of("../evil.bin", "/abs", "x/../../y", "coefficients.bin.", "")));
            case 1 -> data.set(k, java.util.Arrays.copyOf(data.get(k), in.below(data.get(k).length + 1)));
            case 2 -> {
                byte[] b = data.get(k).clone();
                if (b.length > 0) {
                    b[in.below(b.length)] ^= (byte) (1 + in.below(255));
                }
                data.set(k, b);
            }
            case 3 -> {
                String text = new String(data.get(k), StandardCharsets.UTF_8);
                data.set(k, Mutator.mutate(text, in).getBytes(StandardCharsets.UTF_8));
            }
            default -> {
                names.add(names.get(k));
                data.add(data.get(k));
            }
        }
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            Set<String> seen = new TreeSet<>();
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).isEmpty() || !seen.add(names.get(i))) {
                    continue;
                }
                z.putNextEntry(new ZipEntry(names.get(i)));
                z.write(data.get(i));
                z.closeEntry();
            }
        }
    }

    // ------------------------------------------------------------------ files

    private Path fresh(String kind) throws IOException {
        return Files.createDirectories(writable.resolve(kind + "-" + cases));
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** The working folder's own entries and its results/ tree (what a relative default path would write). */
    static Set<String> workingFolder() {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("."))) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (Files.isDirectory(Path.of("results"))) {
            out.addAll(listing(Path.of("results")));
        }
        return out;
    }

    /** Every path under {@code dir} (links not followed) with its size, except those under {@code skip}. */
    static Set<String> listing(Path dir, Path... skip) {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.forEach(p -> {
                for (Path k : skip) {
                    if (p.startsWith(k)) {
                        return;
                    }
                }
                long size = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p.toFile().length() : -1;
                out.add(p + " " + size);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
