package dev.runner.train;

import dev.runner.Json;
import dev.runner.AtomicFiles;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contents of {@code metrics.json} (schema: docs/metrics.md / HELPERS.md), written with its keys in a fixed
 * order and doubles as their shortest round-trip representation; non-finite numbers are written as null.
 * Mutable: the trainer appends to it as the run goes and rewrites the file atomically after each epoch.
 */
public final class Metrics {
    /** The file a run folder keeps them in. */
    public static final String FILE = "metrics.json";
    public static final String RUNNING = "running";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String INTERRUPTED = "interrupted";

    /** One epoch. {@code testLoss}/{@code testAccuracy} null when the test set is not evaluated,
     *  {@code trainAccuracy} null (and left out of the file) when not measured, {@code valLoss}/{@code valAccuracy}
     *  null (and left out) without a validation split. */
    public record Epoch(int epoch, double trainLoss, Double testLoss, Double testAccuracy, Double trainAccuracy,
                        Double valLoss, Double valAccuracy, double lr, double seconds, Map<String, Double> topK) {
        public Epoch {
            topK = topK == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(topK));
        }

        /** Without top-k accuracies. */
        public Epoch(int epoch, double trainLoss, Double testLoss, Double testAccuracy, Double trainAccuracy,
                     Double valLoss, Double valAccuracy, double lr, double seconds) {
            this(epoch, trainLoss, testLoss, testAccuracy, trainAccuracy, valLoss, valAccuracy, lr, seconds, Map.of());
        }

        /** Without a validation split. */
        public Epoch(int epoch, double trainLoss, Double testLoss, Double testAccuracy, Double trainAccuracy,
                     double lr, double seconds) {
            this(epoch, trainLoss, testLoss, testAccuracy, trainAccuracy, null, null, lr, seconds);
        }

        /** The value of metric {@code name} ({@code val_accuracy}, {@code test_loss}, ...) this epoch, or null. */
        public Double metric(String name) {
            return switch (name) {
                case "train_loss" -> Double.isFinite(trainLoss) ? trainLoss : null;
                case "test_loss" -> testLoss;
                case "test_accuracy" -> testAccuracy;
                case "train_accuracy" -> trainAccuracy;
                case "val_loss" -> valLoss;
                case "val_accuracy" -> valAccuracy;
                default -> {
                    if (!topK.containsKey(name) && !dev.runner.spec.EvaluateSpec.isTopKMetric(name)) {
                        throw new IllegalArgumentException("unknown metric " + name);
                    }
                    yield topK.get(name);
                }
            };
        }
    }

    /** The best epoch by {@code metric} ({@code checkpoint.best}): its number and value. */
    public record Best(String metric, int epoch, double value) {}

    /** The end-of-run figures; accuracies null when not measured. */
    public record Final(Double testAccuracy, Double trainAccuracy, Map<String, Double> perClassAccuracy,
                        Map<String, Double> trainPerClassAccuracy, long[][] confusionMatrix) {}

    public String name;
    public String status = RUNNING;
    public String error;
    public int epochsPlanned;
    public int iterationsPerEpoch;
    public List<String> classes = new ArrayList<>();
    public final List<Epoch> epochs = new ArrayList<>();
    public final List<Double> iterationLoss = new ArrayList<>();
    public final List<Double> iterationLr = new ArrayList<>();
    public Final fin;
    /** The best epoch so far when the experiment keeps one ({@code checkpoint.best}), else null. */
    public Best best;
    /** Why a completed run stopped before its planned epochs (early stopping), else null. */
    public String stopReason;

    public Metrics() {
    }

    public Metrics(String name, int epochsPlanned, int iterationsPerEpoch, List<String> classes) {
        this.name = name;
        this.epochsPlanned = epochsPlanned;
        this.iterationsPerEpoch = iterationsPerEpoch;
        this.classes = new ArrayList<>(classes);
    }

    /** The top-k accuracies of an epoch object, in the file's order. */
    static Map<String, Double> topK(JsonNode epoch) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Iterator<String> it = epoch.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (dev.runner.spec.EvaluateSpec.isTopKMetric(k)) {
                out.put(k, dbl(epoch.get(k)));
            }
        }
        return out;
    }

    public String toJson() {
        StringWriter out = new StringWriter();
        JsonFactory f = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
        try (JsonGenerator g = f.createGenerator(out)) {
            DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"));
            g.setPrettyPrinter(pp);
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("status", status);
            g.writeStringField("error", error);
            g.writeNumberField("epochs_planned", epochsPlanned);
            g.writeNumberField("iterations_per_epoch", iterationsPerEpoch);
            g.writeArrayFieldStart("classes");
            for (String c : classes) {
                g.writeString(c);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("epochs");
            for (Epoch e : epochs) {
                g.writeStartObject();
                g.writeNumberField("epoch", e.epoch());
                number(g, "train_loss", e.trainLoss());
                number(g, "test_loss", e.testLoss());
                number(g, "test_accuracy", e.testAccuracy());
                if (e.trainAccuracy() != null) {
                    number(g, "train_accuracy", e.trainAccuracy());
                }
                if (e.valLoss() != null || e.valAccuracy() != null) {
                    number(g, "val_loss", e.valLoss());
                    number(g, "val_accuracy", e.valAccuracy());
                }
                for (Map.Entry<String, Double> t : e.topK().entrySet()) {
                    number(g, t.getKey(), t.getValue());
                }
                number(g, "lr", e.lr());
                number(g, "seconds", e.seconds());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("iterations");
            g.writeArrayFieldStart("loss");
            for (Double d : iterationLoss) {
                value(g, d);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("lr");
            for (Double d : iterationLr) {
                value(g, d);
            }
            g.writeEndArray();
            g.writeEndObject();
            if (best != null) {
                g.writeObjectFieldStart("best");
                g.writeStringField("metric", best.metric());
                g.writeNumberField("epoch", best.epoch());
                number(g, "value", best.value());
                g.writeEndObject();
            }
            if (stopReason != null) {
                g.writeStringField("stop_reason", stopReason);
            }
            g.writeFieldName("final");
            if (fin == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                number(g, "test_accuracy", fin.testAccuracy());
                number(g, "train_accuracy", fin.trainAccuracy());
                byClass(g, "per_class_accuracy", fin.perClassAccuracy());
                byClass(g, "train_per_class_accuracy", fin.trainPerClassAccuracy());
                g.writeFieldName("confusion_matrix");
                if (fin.confusionMatrix() == null) {
                    g.writeNull();
                } else {
                    g.writeStartArray();
                    for (long[] row : fin.confusionMatrix()) {
                        g.writeArray(row, 0, row.length);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out + "\n";
    }

    private static void number(JsonGenerator g, String field, Double d) throws IOException {
        g.writeFieldName(field);
        value(g, d);
    }

    private static void value(JsonGenerator g, Double d) throws IOException {
        if (d == null || !Double.isFinite(d)) {
            g.writeNull();
        } else {
            g.writeNumber(d);
        }
    }

    private static void byClass(JsonGenerator g, String field, Map<String, Double> m) throws IOException {
        g.writeFieldName(field);
        if (m == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        for (Map.Entry<String, Double> e : m.entrySet()) {
            number(g, e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    /**
     * An upper bound of metrics.json's size at the end of a run of {@code epochs} x {@code iterations} with
     * {@code classes} classes (each iteration's loss and learning rate, each epoch's row, the final block), for the
     * disk a run sets aside for its last write; at most 256 MB.
     */
    public static long sizeBound(int epochs, int iterations, int classes) {
        long b = 16_384 + 400L * epochs + 64L * epochs * iterations + 160L * classes + 24L * classes * classes;
        return Math.min(b, 256L << 20);
    }

    /** Writes {@code metrics.json} into {@code folder} atomically. */
    public void write(Path folder) {
        write(folder, AtomicFiles.WriteHook.NONE);
    }

    /** {@link #write(Path)}, seen by {@code hook} first. */
    public void write(Path folder, AtomicFiles.WriteHook hook) {
        AtomicFiles.writeString(folder.resolve(FILE), toJson(), hook);
    }

    /** Reads a metrics.json; a damaged or unreadable file is a one-line {@link dev.runner.UserError} naming it. */
    public static Metrics read(Path file) {
        return read(file.getParent(), file.getFileName().toString());
    }

    /** {@code folder/name} read as a metrics.json ({@link dev.runner.ResultFiles}: inside the folder, bounded). */
    public static Metrics read(Path folder, String name) {
        Path file = folder.resolve(name);
        String text = dev.runner.ResultFiles.text(folder, name, dev.runner.ResultFiles.JSON_LIMIT);
        if (text == null) {
            throw new dev.runner.UserError("cannot read " + file + ": no such file");
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new dev.runner.UserError(file + ": " + e.getMessage() + " (damaged?)", e);
        }
    }

    public static Metrics parse(String json) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a metrics.json: " + dev.runner.ResultFiles.jsonError(e), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a metrics.json: not a JSON object");
        }
        Metrics m = new Metrics();
        m.name = n.path("name").asText();
        m.status = n.path("status").asText();
        m.error = n.path("error").isNull() ? null : n.path("error").asText();
        m.epochsPlanned = n.path("epochs_planned").asInt();
        m.iterationsPerEpoch = n.path("iterations_per_epoch").asInt();
        n.path("classes").forEach(c -> m.classes.add(c.asText()));
        for (JsonNode e : n.path("epochs")) {
            m.epochs.add(new Epoch(e.path("epoch").asInt(), dbl(e.get("train_loss")), dbl(e.get("test_loss")),
                    dbl(e.get("test_accuracy")), dbl(e.get("train_accuracy")), dbl(e.get("val_loss")),
                    dbl(e.get("val_accuracy")), dbl(e.get("lr")), dbl(e.get("seconds")), topK(e)));
        }
        n.path("iterations").path("loss").forEach(d -> m.iterationLoss.add(dbl(d)));
        n.path("iterations").path("lr").forEach(d -> m.iterationLr.add(dbl(d)));
        JsonNode b = n.get("best");
        if (b != null && b.isObject()) {
            Double v = dbl(b.get("value"));
            m.best = new Best(b.path("metric").asText(), b.path("epoch").asInt(), v == null ? Double.NaN : v);
        }
        JsonNode sr = n.get("stop_reason");
        m.stopReason = sr == null || sr.isNull() ? null : sr.asText();
        JsonNode f = n.get("final");
        if (f != null && !f.isNull()) {
            long[][] cm = null;
            JsonNode cmn = f.get("confusion_matrix");
            if (cmn != null && !cmn.isNull()) {
                cm = new long[cmn.size()][];
                for (int i = 0; i < cm.length; i++) {
                    JsonNode row = cmn.get(i);
                    cm[i] = new long[row.size()];
                    for (int j = 0; j < cm[i].length; j++) {
                        cm[i][j] = row.get(j).asLong();
                    }
                }
            }
            m.fin = new Final(dbl(f.get("test_accuracy")), dbl(f.get("train_accuracy")),
                    classMap(f.get("per_class_accuracy")), classMap(f.get("train_per_class_accuracy")), cm);
        }
        return m;
    }

    private static Double dbl(JsonNode d) {
        return d == null || d.isNull() ? null : d.asDouble();
    }

    private static Map<String, Double> classMap(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), dbl(e.getValue()));
        }
        return m;
    }
}
