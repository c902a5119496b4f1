package dev.runner.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.AtomicFiles;
import dev.runner.Json;
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

    private SweepFolder() {
    }

    /**
     * One trial's entry.
     *
     * @param values  the swept keys' values
     * @param set     the same as {@code --set} arguments
     * @param status  pending, running, completed, failed or interrupted
     * @param error   why it failed or stopped, else null
     * @param metric  the sweep's metric at the trial's end, null when not measured
     * @param seconds the trial's training and evaluation time (sum over its epochs)
     */
    public record Trial(int index, String name, Map<String, Object> values, List<String> set, String status,
                        String error, Double metric, Double seconds) {
        public Trial with(String newStatus, String newError, Double newMetric, Double newSeconds) {
            return new Trial(index, name, values, set, newStatus, newError, newMetric, newSeconds);
        }

        /** Finished for good: completed or failed (a deterministic failure is not re-run by a resume). */
        public boolean finished() {
            return "completed".equals(status) || "failed".equals(status);
        }
    }

    /**
     * sweep.json.
     *
     * @param file     the experiment file the sweep was expanded from
     * @param keys     the swept keys
     * @param set      {@code --set} overrides of every trial
     * @param executor how the trials ran: {@code workers N} or {@code spark MASTER}
     */
    public record Index(String name, String file, String metric, String goal, List<String> keys, List<String> set,
                        String executor, List<String> commandLine, String created, List<Trial> trials) {
        public Index withTrial(Trial t) {
            List<Trial> ts = new ArrayList<>(trials);
            ts.set(t.index() - 1, t);
            return new Index(name, file, metric, goal, keys, set, executor, commandLine, created, List.copyOf(ts));
        }

        public Index withExecutor(String e, List<String> cl) {
            return new Index(name, file, metric, goal, keys, set, e, cl, created, trials);
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
        return Files.isRegularFile(dir.resolve(INDEX));
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
        if (!Files.isRegularFile(f)) {
            throw new UserError("not a sweep folder (no " + INDEX + "): " + sweep);
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(f.toFile());
        } catch (IOException e) {
            throw new UserError("cannot read " + f + ": " + e.getMessage(), e);
        }
        List<Trial> trials = new ArrayList<>();
        for (JsonNode t : n.path("trials")) {
            Map<String, Object> values = Json.MAPPER.convertValue(t.path("values"), LinkedHashMap.class);
            List<String> set = new ArrayList<>();
            t.path("set").forEach(s -> set.add(s.asText()));
            trials.add(new Trial(t.path("index").asInt(), t.path("name").asText(), values, List.copyOf(set),
                    t.path("status").asText(PENDING), RunReader.text(t, "error"), RunReader.num(t, "metric"),
                    RunReader.num(t, "seconds")));
        }
        List<String> keys = new ArrayList<>();
        n.path("keys").forEach(k -> keys.add(k.asText()));
        List<String> set = new ArrayList<>();
        n.path("set").forEach(k -> set.add(k.asText()));
        List<String> cl = new ArrayList<>();
        n.path("command_line").forEach(k -> cl.add(k.asText()));
        return new Index(n.path("name").asText(), RunReader.text(n, "file"),
                n.path("metric").asText("test_accuracy"), n.path("goal").asText("max"), List.copyOf(keys),
                List.copyOf(set), RunReader.text(n, "executor"),
                List.copyOf(cl), RunReader.text(n, "created"), List.copyOf(trials));
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
