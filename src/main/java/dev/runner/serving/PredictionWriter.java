package dev.runner.serving;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.Json;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Predictions as {@code runner predict} prints them: {@code text} (one line per image: input, class, probability,
 * the next classes), {@code csv} (a header, then {@code input,class,probability} and the other top-k pairs, and the
 * true {@code label} when known) or {@code json} (one document: the model and a list of predictions).
 */
public final class PredictionWriter {
    public static final List<String> FORMATS = List.of("text", "csv", "json");

    private PredictionWriter() {}

    /**
     * @param inputs names of the images (file paths, or {@code test[17]} for a dataset split)
     * @param labels the true class of each image, or null when unknown
     */
    public static void write(PrintStream out, String format, SavedRun run, List<String> inputs, int[] labels,
                             float[][] probs, int top) {
        List<String> classes = run.classes();
        switch (format) {
            case "text" -> {
                for (int i = 0; i < inputs.size(); i++) {
                    int[] t = Predictor.top(probs[i], top);
                    StringBuilder sb = new StringBuilder(inputs.get(i)).append(": ").append(classes.get(t[0]))
                            .append(String.format(Locale.ROOT, " %.1f %%", 100 * probs[i][t[0]]));
                    for (int r = 1; r < t.length; r++) {
                        sb.append(r == 1 ? " (" : ", ").append(classes.get(t[r]))
                                .append(String.format(Locale.ROOT, " %.1f %%", 100 * probs[i][t[r]]));
                    }
                    if (t.length > 1) {
                        sb.append(')');
                    }
                    if (labels != null) {
                        sb.append("  label ").append(classes.get(labels[i]));
                    }
                    out.println(sb);
                }
            }
            case "csv" -> {
                StringBuilder h = new StringBuilder("input");
                if (labels != null) {
                    h.append(",label");
                }
                h.append(",class,probability");
                for (int r = 2; r <= Math.min(top, classes.size()); r++) {
                    h.append(",class_").append(r).append(",probability_").append(r);
                }
                out.println(h);
                for (int i = 0; i < inputs.size(); i++) {
                    StringBuilder sb = new StringBuilder(csv(inputs.get(i)));
                    if (labels != null) {
                        sb.append(',').append(csv(classes.get(labels[i])));
                    }
                    for (int c : Predictor.top(probs[i], top)) {
                        sb.append(',').append(csv(classes.get(c))).append(',').append(probs[i][c]);
                    }
                    out.println(sb);
                }
            }
            case "json" -> {
                ObjectNode root = Json.MAPPER.createObjectNode();
                root.put("run", run.folder().toString());
                root.put("model", run.which());
                ArrayNode cl = root.putArray("classes");
                classes.forEach(cl::add);
                ArrayNode preds = root.putArray("predictions");
                for (int i = 0; i < inputs.size(); i++) {
                    ObjectNode p = preds.addObject();
                    p.put("input", inputs.get(i));
                    if (labels != null) {
                        p.put("label", classes.get(labels[i]));
                    }
                    int[] t = Predictor.top(probs[i], top);
                    p.put("class", classes.get(t[0]));
                    p.put("probability", probs[i][t[0]]);
                    ArrayNode ta = p.putArray("top");
                    for (int c : t) {
                        ta.addObject().put("class", classes.get(c)).put("probability", probs[i][c]);
                    }
                }
                try {
                    out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            default -> throw new IllegalArgumentException("format must be one of " + FORMATS + ", got " + format);
        }
    }

    /** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
    static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
