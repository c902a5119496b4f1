package dev.runner.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.AtomicFiles;
import dev.runner.Json;
import dev.runner.ResultFiles;
import dev.runner.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep's folder {@code <root>/<name>/sweep-<run-id>/}: {@code sweep.json} (the index: trials, their overrides,
 * status and metric), one {@code <trial>.yaml} (the trial's resolved experiment) and one run folder
 * {@code <trial>/} per trial, and {@code sweep.png}. Schema: docs/results.md.
 */
public final class SweepFolder {
    public static final String INDEX = "sweep.json";
    public static final String PLOT = "sweep.png";
    public static final String PREFIX = "sweep-";

    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    /** Stopped at a pruning rung with a checkpoint, waiting for a promotion. */
    public static final String PAUSED = "paused";
    /** Stopped at a pruning rung for good: its folder is complete up to that epoch. */
    public static final String PRUNED = "pruned";
    /** Never started: the sweep's budget was spent. */
    public static final String NOT_STARTED = "not_started";

    /** A trial's name as the runner writes it (its run folder's name inside the sweep folder). */
    private static final java.util.regex.Pattern TRIAL_NAME =
            java.util.regex.Pattern.compile("[0-9][A-Za-z0-9_.=+-]{0,254}");

    private SweepFolder() {
    }

    /**
     * One trial's entry.
     *
     * @param values  the swept keys' values
     * @param set     the same as {@code --set} arguments
     * @param status  pending, running, paused, completed, pruned, failed, interrupted or not_started
     * @param error   why it failed or stopped, else null
     * @param metric  the sweep's metric at the trial's end, null when not measured
     * @param seconds the trial's training and evaluation time (sum over its epochs)
     */
    public record Trial(int index, String name, Map<String, Object> values, List<String> set, String status,
                        String error, Double metric, Double seconds) {
        public Trial with(String newStatus, String newError, Double newMetric, Double newSeconds) {
            return new Trial(index, name, values, set, newStatus, newError, newMetric, newSeconds);
        }

        /**
         * Finished for good: completed, pruned, failed (a deterministic failure is not re-run by a resume) or not
         * started for want of budget.
         */
        public boolean finished() {
            return "completed".equals(status) || "failed".equals(status) || PRUNED.equals(status)
                    || NOT_STARTED.equals(status);
        }
    }

    /**
     * One job of an adaptive sweep (TPE, pruning), in the order the sweep decided them: train trial {@code trial}
     * (1-based) up to {@code epochs} epochs, its rung {@code rung} of bracket {@code bracket}; {@code value} is the
     * rung metric it measured there (NaN: failed), null while it has not ended.
     */
    public record Job(int trial, int bracket, int rung, int epochs, Double value) {
        public Job withValue(Double v) {
            return new Job(trial, bracket, rung, epochs, v);
        }
    }

    /**
     * sweep.json.
     *
     * @param file     the experiment file the sweep was expanded from
     * @param keys     the swept keys
     * @param set      {@code --set} overrides of every trial
     * @param executor how the trials ran: {@code workers N} or {@code spark MASTER}
     * @param search   how trials were chosen: method, seeds, pruning, budgets, the decision lag and the wall time
     *                 spent (docs/results.md); empty for a sweep written before these existed
     * @param jobs     an adaptive sweep's jobs in decision order (its search state), else empty
     */
    public record Index(String name, String file, String metric, String goal, List<String> keys, List<String> set,
                        String executor, List<String> commandLine, String created, List<Trial> trials,
                        Map<String, Object> search, List<Job> jobs) {
        public Index withTrial(Trial t) {
            List<Trial> ts = new ArrayList<>(trials);
            if (t.index() - 1 == ts.size()) {
                ts.add(t);
            } else {
                ts.set(t.index() - 1, t);
            }
            return new Index(name, file, metric, goal, keys, set, executor, commandLine, created, List.copyOf(ts),
                    search, jobs);
        }

        public Index withExecutor(String e, List<String> cl) {
            return new Index(name, file, metric, goal, keys, set, e, cl, created, trials, search, jobs);
        }

        public Index withSearch(Map<String, Object> s) {
            return new Index(name, file, metric, goal, keys, set, executor, commandLine, created, trials,
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(s)), jobs);
        }

        /** Job {@code n} (0-based) added or replaced. */
        public Index withJob(int n, Job j) {
            List<Job> js = new ArrayList<>(jobs);
            if (n == js.size()) {
                js.add(j);
            } else {
                js.set(n, j);
            }
            return new Index(name, file, metric, goal, keys, set, executor, commandLine, created, trials, search,
                    List.copyOf(js));
        }

        /** Each configuration run at this many seeds ({@code sweep.seeds}). */
        public int seeds() {
            return search.get("seeds") instanceof Number n ? n.intValue() : 1;
        }

        public boolean maximize() {
            return !"min".equals(goal);
        }

        /** The best finished trial by the metric, or null. */
        public Trial best() {
            Trial best = null;
            for (Trial t : trials) {
                if (t.metric() == null || !Double.isFinite(t.metric()) || !"completed".equals(t.status())) continue;
                if (best == null || (maximize() ? t.metric() > best.metric() : t.metric() < best.metric())) best = t;
            }
            return best;
        }
    }

    /** Creates a new sweep folder for experiment {@code name} under {@code root}. */
    public static Path create(Path root, String name) {
        return RunFolder.create(root, name, Clock.systemUTC(), PREFIX);
    }

    public static boolean isSweepFolder(Path dir) {
        return ResultFiles.exists(dir, INDEX);
    }

    /** The trial's resolved experiment, written beside its run folder before it runs. */
    public static Path experimentFile(Path sweep, Trial t) {
        return sweep.resolve(t.name() + ".yaml");
    }

    public static Path runFolder(Path sweep, Trial t) {
        return sweep.resolve(t.name());
    }

    public static void write(Path sweep, Index index) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("name", index.name());
        n.put("file", index.file());
        n.put("metric", index.metric());
        n.put("goal", index.goal());
        n.set("keys", Json.MAPPER.valueToTree(index.keys()));
        n.set("set", Json.MAPPER.valueToTree(index.set()));
        n.put("executor", index.executor());
        n.set("command_line", Json.MAPPER.valueToTree(index.commandLine()));
        n.put("created", index.created());
        Trial best = index.best();
        n.put("best", best == null ? null : best.name());
        if (!index.search().isEmpty()) {
            n.set("search", Json.MAPPER.valueToTree(index.search()));
        }
        if (!index.jobs().isEmpty()) {
            ArrayNode js = n.putArray("jobs");
            for (Job j : index.jobs()) {
                ObjectNode o = js.addObject();
                o.put("trial", j.trial());
                o.put("bracket", j.bracket());
                o.put("rung", j.rung());
                o.put("epochs", j.epochs());
                if (j.value() == null) o.putNull("value");
                else if (Double.isNaN(j.value())) o.put("value", "failed");
                else o.put("value", j.value());
            }
        }
        ArrayNode ts = n.putArray("trials");
        for (Trial t : index.trials()) {
            ObjectNode o = ts.addObject();
            o.put("index", t.index());
            o.put("name", t.name());
            o.set("values", Json.MAPPER.valueToTree(t.values()));
            o.set("set", Json.MAPPER.valueToTree(t.set()));
            o.put("status", t.status());
            o.put("error", t.error());
            if (t.metric() == null || !Double.isFinite(t.metric())) o.putNull("metric");
            else o.put("metric", t.metric());
            if (t.seconds() == null) o.putNull("seconds");
            else o.put("seconds", Math.round(t.seconds() * 10) / 10.0);
        }
        try {
            AtomicFiles.writeString(sweep.resolve(INDEX), Json.MAPPER.writeValueAsString(n) + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Index read(Path sweep) {
        Path f = sweep.resolve(INDEX);
        JsonNode n = ResultFiles.json(sweep, INDEX, ResultFiles.JSON_LIMIT);
        if (n == null) {
            throw new UserError("not a sweep folder (no " + INDEX + "): " + sweep);
        }
        if (!n.isObject()) {
            throw new UserError("cannot read " + f + ": not a JSON object");
        }
        List<Trial> trials = new ArrayList<>();
        for (JsonNode t : n.path("trials")) {
            int index = trials.size() + 1;
            String name = t.path("name").asText();
            if (t.path("index").asInt() != index || !TRIAL_NAME.matcher(name).matches()) {
                throw new UserError("cannot read " + f + ": trial " + index + " is damaged (its index or name is"
                        + " not one the runner writes)");
            }
            Map<String, Object> values = t.path("values").isObject()
                    ? Json.MAPPER.convertValue(t.path("values"), LinkedHashMap.class) : new LinkedHashMap<>();
            List<String> set = new ArrayList<>();
            t.path("set").forEach(s -> set.add(s.asText()));
            trials.add(new Trial(index, name, values, List.copyOf(set),
                    RunReader.printable(t.path("status").asText(PENDING)), RunReader.text(t, "error"),
                    RunReader.num(t, "metric"), RunReader.num(t, "seconds")));
        }
        List<String> keys = new ArrayList<>();
        n.path("keys").forEach(k -> keys.add(k.asText()));
        List<String> set = new ArrayList<>();
        n.path("set").forEach(k -> set.add(k.asText()));
        List<String> cl = new ArrayList<>();
        n.path("command_line").forEach(k -> cl.add(k.asText()));
        Map<String, Object> search = n.has("search") ? Json.MAPPER.convertValue(n.path("search"), LinkedHashMap.class)
                : new LinkedHashMap<>();
        List<Job> jobs = new ArrayList<>();
        for (JsonNode j : n.path("jobs")) {
            JsonNode v = j.path("value");
            jobs.add(new Job(j.path("trial").asInt(), j.path("bracket").asInt(), j.path("rung").asInt(),
                    j.path("epochs").asInt(), v.isNumber() ? v.asDouble() : v.isTextual() ? Double.NaN : null));
        }
        return new Index(n.path("name").asText(), RunReader.text(n, "file"),
                n.path("metric").asText("test_accuracy"), n.path("goal").asText("max"), List.copyOf(keys),
                List.copyOf(set), RunReader.text(n, "executor"),
                List.copyOf(cl), RunReader.text(n, "created"), List.copyOf(trials),
                java.util.Collections.unmodifiableMap(search), List.copyOf(jobs));
    }

    /** The sweep's metric of a finished run folder (its last epoch's value; accuracies from the final block). */
    public static Double metric(RunReader.Run run, String metric) {
        RunReader.Epoch last = run.epochs().isEmpty() ? null : run.epochs().get(run.epochs().size() - 1);
        RunReader.Final fin = run.fin();
        return switch (metric) {
            case "test_accuracy" -> fin != null && fin.testAccuracy() != null ? fin.testAccuracy()
                    : last == null ? null : last.testAccuracy();
            case "train_accuracy" -> fin != null && fin.trainAccuracy() != null ? fin.trainAccuracy()
                    : last == null ? null : last.trainAccuracy();
            case "test_loss" -> last == null ? null : last.testLoss();
            case "train_loss" -> last == null ? null : last.trainLoss();
            case "val_accuracy" -> last == null ? null : last.valAccuracy();
            case "val_loss" -> last == null ? null : last.valLoss();
            default -> {
                if (!dev.runner.spec.EvaluateSpec.isTopKMetric(metric)) {
                    throw new IllegalArgumentException("unknown metric " + metric);
                }
                yield last == null ? null : last.topK().get(metric);
            }
        };
    }

    /**
     * The sweep's metric at epoch {@code epoch} of a run folder (a pruning rung), or null when the run has not
     * measured it there.
     */
    public static Double metricAt(RunReader.Run run, String metric, int epoch) {
        if (run.epochs().size() < epoch) return null;
        RunReader.Epoch e = run.epochs().get(epoch - 1);
        return switch (metric) {
            case "test_accuracy" -> e.testAccuracy();
            case "train_accuracy" -> e.trainAccuracy();
            case "test_loss" -> e.testLoss();
            case "train_loss" -> e.trainLoss();
            case "val_accuracy" -> e.valAccuracy();
            case "val_loss" -> e.valLoss();
            default -> throw new IllegalArgumentException("unknown metric " + metric);
        };
    }

    /**
     * What a pruning rung compares at {@code epoch}: the validation counterpart of the sweep's metric
     * ({@code val_accuracy} for an accuracy, {@code val_loss} for a loss) when the run measured one there (its
     * experiment has {@code data.val_split}), else the sweep's metric itself.
     */
    public static Double rungValue(RunReader.Run run, String metric, int epoch) {
        String val = metric.endsWith("accuracy") ? "val_accuracy" : "val_loss";
        Double v = metricAt(run, val, epoch);
        return v != null ? v : metricAt(run, metric, epoch);
    }

    /**
     * Whether a swept key is drawn on a log axis (sweep.png, serve's sweep page): its values are all positive
     * numbers, and the key is a learning rate (its last part ends in {@code lr}) or the values span 50x or more.
     */
    public static boolean logScale(String key, List<?> values) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (Object v : values) {
            if (!(v instanceof Number n) || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) return false;
            min = Math.min(min, n.doubleValue());
            max = Math.max(max, n.doubleValue());
        }
        String last = key.substring(key.lastIndexOf('.') + 1);
        return !values.isEmpty() && (last.endsWith("lr") || max / min >= 50);
    }

    /** The run's training and evaluation time: the sum of its epochs' seconds. */
    public static Double seconds(RunReader.Run run) {
        double s = 0;
        boolean any = false;
        for (RunReader.Epoch e : run.epochs()) {
            if (e.seconds() != null) {
                s += e.seconds();
                any = true;
            }
        }
        return any ? s : null;
    }

    static String now() {
        return Instant.now().toString();
    }
}
