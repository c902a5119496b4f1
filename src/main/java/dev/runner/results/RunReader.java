package dev.runner.results;

import dev.runner.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runner.UserError;
import dev.runner.train.LrRangeTest;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a results folder ({@code results/<name>/<run-id>/}) for charts, diff and report. Read-only: it never
 * writes into a folder. A results folder is a directory holding {@code metrics.json} (a training run) or
 * {@code lr_range_test.json} (an LR range test); anything else is a {@link UserError}.
 */
public final class RunReader {
    private static final ObjectMapper JSON = Json.MAPPER;

    private RunReader() {
    }

    /** One epoch row of metrics.json; a field is null when absent or null there. */
    public record Epoch(int epoch, Double trainLoss, Double testLoss, Double testAccuracy, Double trainAccuracy,
                        Double valLoss, Double valAccuracy, Double lr, Double seconds, Map<String, Double> topK) {
        public Epoch {
            topK = topK == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(topK));
        }

        /** Without top-k accuracies. */
        public Epoch(int epoch, Double trainLoss, Double testLoss, Double testAccuracy, Double trainAccuracy,
                     Double valLoss, Double valAccuracy, Double lr, Double seconds) {
            this(epoch, trainLoss, testLoss, testAccuracy, trainAccuracy, valLoss, valAccuracy, lr, seconds, Map.of());
        }

        /** Without a validation set. */
        public Epoch(int epoch, Double trainLoss, Double testLoss, Double testAccuracy, Double trainAccuracy,
                     Double lr, Double seconds) {
            this(epoch, trainLoss, testLoss, testAccuracy, trainAccuracy, null, null, lr, seconds);
        }
    }

    /** The {@code final} block of metrics.json; fields null when not measured. */
    public record Final(Double testAccuracy, Double trainAccuracy, Map<String, Double> perClass,
                        Map<String, Double> trainPerClass, int[][] confusion) {
    }

    /**
     * A results folder as read.
     *
     * @param metrics    false for a folder without metrics.json (an LR range test): the metric fields are empty
     * @param experiment experiment.yaml as plain maps/lists/scalars, or null when the file is missing
     * @param summary    summary.txt, or null when missing
     * @param stopReason why a completed run stopped before its planned epochs (early stopping), or null
     */
    public record Run(Path folder, String runId, String name, String status, String error, boolean metrics,
                      int epochsPlanned, int itersPerEpoch, List<String> classes, List<Epoch> epochs,
                      double[] iterLoss, double[] iterLr, Final fin, Map<String, Object> experiment,
                      String summary, String stopReason) {
        /** A run that did not stop early. */
        public Run(Path folder, String runId, String name, String status, String error, boolean metrics,
                   int epochsPlanned, int itersPerEpoch, List<String> classes, List<Epoch> epochs,
                   double[] iterLoss, double[] iterLr, Final fin, Map<String, Object> experiment, String summary) {
            this(folder, runId, name, status, error, metrics, epochsPlanned, itersPerEpoch, classes, epochs, iterLoss,
                    iterLr, fin, experiment, summary, null);
        }

        /** The status as tables show it: {@code completed (early stopping at epoch 5)} for a run stopped early. */
        public String statusText() {
            return stopReason == null || !"completed".equals(status) ? status
                    : status + " (early stopping at epoch " + epochs.size() + ")";
        }

        /** One column of the epoch table as an array (NaN where missing). */
        public double[] epochColumn(Function<Epoch, Double> f) {
            double[] out = new double[epochs.size()];
            for (int i = 0; i < out.length; i++) {
                Double v = f.apply(epochs.get(i));
                out[i] = v == null ? Double.NaN : v;
            }
            return out;
        }

        public boolean hasTrainAccuracy() {
            return epochs.stream().anyMatch(e -> e.trainAccuracy() != null);
        }

        public boolean completed() {
            return "completed".equals(status);
        }

        /** The experiment's description (experiment.yaml), or null. */
        public String description() {
            Object d = experiment == null ? null : experiment.get("description");
            return d == null ? null : d.toString();
        }

        /** "name/run-id", how a run is named in diff and report output. */
        public String label() {
            return name + "/" + runId;
        }
    }

    /** The status shown for a run whose file says {@code running} but whose process is gone ({@link #status}). */
    public static final String CRASHED = "crashed";

    /**
     * The status to show for a run folder whose metrics.json (or lr_range_test.json) says {@code recorded}:
     * {@code running} with no live process holding the folder's {@link RunLock} is {@link #CRASHED} (killed, the
     * machine stopped, or a failure that could not be written down); anything else as recorded. The one place this
     * is decided: diff, report, table and {@code --resume} all ask here.
     */
    public static String status(Path folder, String recorded) {
        return "running".equals(recorded) && !RunLock.held(folder) ? CRASHED : recorded;
    }

    /**
     * Why a crashed run stopped, as far as the folder says: the last {@code FAILED: } line of log.txt (a failure
     * that could be logged but not recorded in metrics.json), else that the process ended without a word.
     */
    static String crashReason(Path folder) {
        String log = null;
        try {
            Path f = folder.resolve(RunFolder.LOG);
            log = Files.isRegularFile(f) ? Files.readString(f, java.nio.charset.StandardCharsets.UTF_8) : null;
        } catch (IOException | java.io.UncheckedIOException e) {
            // no reason to give
        }
        String last = null;
        if (log != null) {
            for (String line : log.split("\n")) {
                if (line.startsWith("FAILED: ")) {
                    last = line.substring("FAILED: ".length()).strip();
                }
            }
        }
        return last != null ? last : "the runner process ended without finishing the run (killed, or the machine"
                + " stopped); continue it with runner run --resume " + folder;
    }

    /** True when {@code dir} is a directory with metrics.json or lr_range_test.json. */
    public static boolean isResultsFolder(Path dir) {
        return Files.isDirectory(dir) && (Files.isRegularFile(dir.resolve("metrics.json"))
                || Files.isRegularFile(dir.resolve("lr_range_test.json")));
    }

    /** Reads a results folder; a {@link UserError} naming the path when it is not one or cannot be parsed. */
    public static Run read(Path folder) {
        if (!Files.exists(folder)) {
            throw new UserError("no such results folder: " + folder);
        }
        if (!isResultsFolder(folder)) {
            throw new UserError("not a results folder (no metrics.json or lr_range_test.json): " + folder);
        }
        Map<String, Object> experiment = readExperiment(folder.resolve("experiment.yaml"));
        String summary = readText(folder.resolve("summary.txt"));
        String runId = folder.toAbsolutePath().normalize().getFileName().toString();
        Path metricsFile = folder.resolve("metrics.json");
        String expName = experiment != null && experiment.get("name") != null
                ? experiment.get("name").toString() : null;
        if (!Files.isRegularFile(metricsFile)) {
            // an LR range test: its status is in lr_range_test.json
            String name = expName != null ? expName : parentName(folder);
            JsonNode rt;
            try {
                rt = JSON.readTree(folder.resolve("lr_range_test.json").toFile());
            } catch (IOException e) {
                throw new UserError("cannot read " + folder.resolve("lr_range_test.json") + ": " + e.getMessage(), e);
            }
            String rtStatus = status(folder, rt.path("status").asText("unknown"));
            return new Run(folder, runId, name, rtStatus, CRASHED.equals(rtStatus) ? crashReason(folder)
                    : text(rt, "error"), false, 0, 0,
                    List.of(), List.of(), new double[0], new double[0], null, experiment, summary);
        }
        JsonNode m;
        try {
            m = JSON.readTree(metricsFile.toFile());
        } catch (IOException e) {
            throw new UserError("cannot read " + metricsFile + ": " + firstLine(e.getMessage()), e);
        }
        if (m == null || !m.isObject()) {
            throw new UserError("cannot read " + metricsFile + ": not a JSON object");
        }
        String name = text(m, "name");
        if (name == null) {
            name = expName != null ? expName : parentName(folder);
        }
        List<String> classes = new ArrayList<>();
        for (JsonNode c : iter(m.get("classes"))) {
            classes.add(c.asText());
        }
        List<Epoch> epochs = new ArrayList<>();
        for (JsonNode e : iter(m.get("epochs"))) {
            epochs.add(new Epoch(e.path("epoch").asInt(epochs.size() + 1), num(e, "train_loss"),
                    num(e, "test_loss"), num(e, "test_accuracy"), num(e, "train_accuracy"), num(e, "val_loss"),
                    num(e, "val_accuracy"), num(e, "lr"), num(e, "seconds"), topK(e)));
        }
        JsonNode it = m.path("iterations");
        Final fin = null;
        JsonNode f = m.get("final");
        if (f != null && f.isObject()) {
            fin = new Final(num(f, "test_accuracy"), num(f, "train_accuracy"), doubleMap(f.get("per_class_accuracy")),
                    doubleMap(f.get("train_per_class_accuracy")), matrix(f.get("confusion_matrix")));
        }
        String status = status(folder, Optional.ofNullable(text(m, "status")).orElse("unknown"));
        return new Run(folder, runId, name, status, CRASHED.equals(status) ? crashReason(folder) : text(m, "error"),
                true, m.path("epochs_planned").asInt(0), m.path("iterations_per_epoch").asInt(0),
                List.copyOf(classes), List.copyOf(epochs), doubles(it.get("loss")), doubles(it.get("lr")), fin,
                experiment, summary, text(m, "stop_reason"));
    }

    /** The top-k accuracies ({@code test_top5_accuracy}, ...) of an epoch object, in the file's order. */
    private static Map<String, Double> topK(JsonNode e) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (java.util.Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (dev.runner.spec.EvaluateSpec.isTopKMetric(k)) {
                Double v = num(e, k);
                if (v != null) out.put(k, v);
            }
        }
        return out;
    }

    /**
     * The newest run of an experiment: the folder under {@code resultsRoot/name} with the greatest run-id (run-ids
     * compared with numbers as numbers, so {@code ...-10} sorts after {@code ...-9}).
     *
     * @param completedOnly only runs whose metrics.json says {@code completed} (range tests without metrics.json
     *                      count as completed)
     */
    public static Path newestRun(Path resultsRoot, String name, boolean completedOnly) {
        Path dir = resultsRoot.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new UserError("no runs of experiment '" + name + "' under " + resultsRoot);
        }
        List<Path> runs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (isResultsFolder(p)) {
                    runs.add(p);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + e.getMessage(), e);
        }
        runs.sort(RunFolder.START_ORDER);
        Collections.reverse(runs);
        for (Path p : runs) {
            if (!completedOnly || read(p).completed()) {
                return p;
            }
        }
        throw new UserError("no " + (completedOnly ? "completed " : "") + "runs of experiment '" + name
                + "' under " + dir);
    }

    /** {@link #newestRun(Path, String, boolean)} over all runs, whatever their status. */
    public static Path newestRun(Path resultsRoot, String name) {
        return newestRun(resultsRoot, name, false);
    }


    /** A learning rate taken from a completed range-test run. */
    public record FoundLr(Path folder, double lr, String suggestion) {}

    /**
     * The default suggestion of the newest completed range-test run of experiment {@code name} under
     * {@code resultsRoot}; empty when there is none (failed, interrupted and running ones are skipped). For
     * {@code lr: {from_range_test: NAME}}: when empty, the CLI runs the test first; it records
     * {@code FoundLr.folder()} in provenance.json.
     */
    public static Optional<FoundLr> newestRangeTest(Path resultsRoot, String name) {
        Path dir = resultsRoot.resolve(name);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        List<Path> runs;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            runs = s.filter(p -> Files.isRegularFile(p.resolve(LrRangeTest.FILE))).sorted(RunFolder.START_ORDER.reversed()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        for (Path run : runs) {
            try {
                JsonNode n = JSON.readTree(run.resolve(LrRangeTest.FILE).toFile());
                JsonNode lr = n.get("suggested_lr");
                if ("completed".equals(n.path("status").asText()) && lr != null && lr.isNumber()) {
                    return Optional.of(new FoundLr(run, lr.asDouble(), n.path("default").asText()));
                }
            } catch (IOException e) {
                // an unreadable file: not a completed run
            }
        }
        return Optional.empty();
    }

    /** experiment.yaml with SnakeYAML's safe constructor, or null when missing. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readExperiment(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(file)) {
            Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            if (o == null) {
                return new LinkedHashMap<>();
            }
            if (!(o instanceof Map)) {
                throw new UserError("cannot read " + file + ": not a YAML mapping");
            }
            return (Map<String, Object>) o;
        } catch (IOException | YAMLException e) {
            throw new UserError("cannot read " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String readText(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : null;
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String parentName(Path folder) {
        Path parent = folder.toAbsolutePath().normalize().getParent();
        return parent == null || parent.getFileName() == null ? "run" : parent.getFileName().toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static Iterable<JsonNode> iter(JsonNode n) {
        return n != null && n.isArray() ? n : List.of();
    }

    /** {@code m.key} as text, or null when absent or null. */
    static String text(JsonNode m, String key) {
        JsonNode n = m.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** {@code m.key} as a number, or null when absent or not a number. */
    static Double num(JsonNode m, String key) {
        JsonNode n = m.get(key);
        return n == null || !n.isNumber() ? null : n.asDouble();
    }

    private static double[] doubles(JsonNode n) {
        if (n == null || !n.isArray()) {
            return new double[0];
        }
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).isNumber() ? n.get(i).asDouble() : Double.NaN;
        }
        return out;
    }

    private static Map<String, Double> doubleMap(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNumber() ? e.getValue().asDouble()
                : null));
        return out;
    }

    private static int[][] matrix(JsonNode n) {
        if (n == null || !n.isArray()) {
            return null;
        }
        int[][] out = new int[n.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = n.get(r);
            out[r] = new int[row.size()];
            for (int c = 0; c < out[r].length; c++) {
                out[r][c] = row.get(c).asInt();
            }
        }
        return out;
    }
}
