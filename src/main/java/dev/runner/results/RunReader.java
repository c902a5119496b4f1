package dev.runner.results;

import dev.runner.ResultFiles;
import dev.runner.Text;

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
import dev.runner.UserError;
import dev.runner.train.LrRangeTest;

/**
 * Reads a results folder ({@code results/<name>/<run-id>/}) for charts, diff and report. Read-only: it never
 * writes into a folder. A results folder is a directory holding {@code metrics.json} (a training run) or
 * {@code lr_range_test.json} (an LR range test); anything else is a {@link UserError}.
 */
public final class RunReader {
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
            return d == null ? null : printable(d.toString());
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
            log = ResultFiles.tail(folder, RunFolder.LOG, ResultFiles.LOG_TAIL);
        } catch (UserError e) {
            // no reason to give
        }
        String last = null;
        if (log != null) {
            for (String line : log.split("\n")) {
                if (line.startsWith("FAILED: ")) {
                    last = Text.printable(line.substring("FAILED: ".length()).strip(), 500);
                }
            }
        }
        return last != null ? last : "the runner process ended without finishing the run (killed, or the machine"
                + " stopped); continue it with runner run --resume " + folder;
    }

    /** True when {@code dir} is a directory with metrics.json or lr_range_test.json. */
    public static boolean isResultsFolder(Path dir) {
        return Files.isDirectory(dir) && (ResultFiles.exists(dir, RunFolder.METRICS)
                || ResultFiles.exists(dir, LrRangeTest.FILE));
    }

    /** Reads a results folder; a {@link UserError} naming the path when it is not one or cannot be parsed. */
    public static Run read(Path folder) {
        if (!Files.exists(folder)) {
            throw new UserError("no such results folder: " + folder);
        }
        if (!isResultsFolder(folder)) {
            throw new UserError("not a results folder (no metrics.json or lr_range_test.json): " + folder);
        }
        Map<String, Object> experiment = ResultFiles.yamlMap(folder, RunFolder.EXPERIMENT, ResultFiles.SMALL_LIMIT);
        String summary = ResultFiles.text(folder, RunFolder.SUMMARY, ResultFiles.SMALL_LIMIT);
        String runId = folder.toAbsolutePath().normalize().getFileName().toString();
        String expName = experiment != null && experiment.get("name") != null
                ? experiment.get("name").toString() : null;
        if (!ResultFiles.exists(folder, RunFolder.METRICS)) {
            // an LR range test: its status is in lr_range_test.json
            String name = validName(expName, folder);
            JsonNode rt = ResultFiles.json(folder, LrRangeTest.FILE, ResultFiles.JSON_LIMIT);
            if (rt == null || !rt.isObject()) {
                throw new UserError("cannot read " + folder.resolve(LrRangeTest.FILE) + ": not a JSON object");
            }
            String rtStatus = status(folder, printable(rt.path("status").asText("unknown")));
            return new Run(folder, runId, name, rtStatus, CRASHED.equals(rtStatus) ? crashReason(folder)
                    : text(rt, "error"), false, 0, 0,
                    List.of(), List.of(), new double[0], new double[0], null, experiment, summary);
        }
        Path metricsFile = folder.resolve(RunFolder.METRICS);
        JsonNode m = ResultFiles.json(folder, RunFolder.METRICS, ResultFiles.JSON_LIMIT);
        if (m == null || !m.isObject()) {
            throw new UserError("cannot read " + metricsFile + ": not a JSON object");
        }
        String recorded = text(m, "name");
        String name = recorded != null && !recorded.isBlank() ? recorded : validName(expName, folder);
        List<String> classes = new ArrayList<>();
        for (JsonNode c : iter(m.get("classes"))) {
            classes.add(printable(c.asText()));
        }
        List<Epoch> epochs = new ArrayList<>();
        for (JsonNode e : iter(m.get("epochs"))) {
            epochs.add(new Epoch(e.path("epoch").asInt(epochs.size() + 1), num(e, "train_loss"),
                    num(e, "test_loss"), accuracy(e, "test_accuracy"), accuracy(e, "train_accuracy"),
                    num(e, "val_loss"), accuracy(e, "val_accuracy"), num(e, "lr"), num(e, "seconds"), topK(e)));
        }
        JsonNode it = m.path("iterations");
        Final fin = null;
        JsonNode f = m.get("final");
        if (f != null && f.isObject()) {
            fin = new Final(accuracy(f, "test_accuracy"), accuracy(f, "train_accuracy"),
                    accuracyMap(f.get("per_class_accuracy")), accuracyMap(f.get("train_per_class_accuracy")),
                    matrix(f.get("confusion_matrix")));
        }
        String status = status(folder, Optional.ofNullable(text(m, "status")).map(RunReader::printable)
                .orElse("unknown"));
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
                Double v = accuracy(e, k);
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
        for (Path p : ResultFiles.directories(dir)) {
            if (isResultsFolder(p)) {
                runs.add(p);
            }
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
        List<Path> runs = ResultFiles.directories(dir).stream().filter(p -> ResultFiles.exists(p, LrRangeTest.FILE))
                .sorted(RunFolder.START_ORDER.reversed()).toList();
        for (Path run : runs) {
            try {
                JsonNode n = ResultFiles.json(run, LrRangeTest.FILE, ResultFiles.JSON_LIMIT);
                JsonNode lr = n == null ? null : n.get("suggested_lr");
                if ("completed".equals(n.path("status").asText()) && lr != null && lr.isNumber()
                        && Double.isFinite(lr.asDouble()) && lr.asDouble() > 0) {
                    return Optional.of(new FoundLr(run, lr.asDouble(), printable(n.path("default").asText())));
                }
            } catch (UserError e) {
                // an unreadable file: not a completed run
            }
        }
        return Optional.empty();
    }

    /** The shape of an experiment name (spec's rule): what a results file may give as a run's name. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,199}");

    /** {@code name} when it is a valid experiment name, else the folder's parent's name (a damaged file's). */
    private static String validName(String name, Path folder) {
        return name != null && NAME.matcher(name).matches() ? name : parentName(folder);
    }

    /** A string from a results file, as it may be shown: without terminal escapes, at most 500 characters. */
    static String printable(String s) {
        return Text.printable(s, 500);
    }

    private static String parentName(Path folder) {
        Path parent = folder.toAbsolutePath().normalize().getParent();
        return parent == null || parent.getFileName() == null ? "run" : parent.getFileName().toString();
    }

    private static Iterable<JsonNode> iter(JsonNode n) {
        return n != null && n.isArray() ? n : List.of();
    }

    /** {@code m.key} as text, or null when absent or null. */
    static String text(JsonNode m, String key) {
        JsonNode n = m.get(key);
        return n == null || n.isNull() ? null : printable(n.asText());
    }

    /** {@code m.key} as a number, or null when absent or not a number. */
    static Double num(JsonNode m, String key) {
        JsonNode n = m.get(key);
        return n == null || !n.isNumber() ? null : n.asDouble();
    }

    /**
     * {@code m.key} as an accuracy: a number from 0 to 1, else null (a damaged file's 1e400 or 1.2e29 is not shown
     * as a percentage).
     */
    static Double accuracy(JsonNode m, String key) {
        Double v = num(m, key);
        return v == null || !(v >= 0 && v <= 1) ? null : v;
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

    private static Map<String, Double> accuracyMap(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(printable(e.getKey()), accuracy(n, e.getKey())));
        return out;
    }

    private static int[][] matrix(JsonNode n) {
        if (n == null || !n.isArray()) {
            return null;
        }
        int[][] out = new int[n.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = n.get(r);
            if (row == null || !row.isArray() || row.size() != n.size()) {
                return null;     // not a square matrix: damaged, not drawn
            }
            out[r] = new int[row.size()];
            for (int c = 0; c < out[r].length; c++) {
                out[r][c] = Math.max(0, row.get(c).asInt());
            }
        }
        return out;
    }
}
