package dev.runner.serving;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.AtomicFiles;
import dev.runner.Json;
import dev.runner.data.ImageSet;
import dev.runner.model.Network;
import dev.runner.results.charts.ConfusionMatrixChart;
import dev.runner.results.charts.PerClassAccuracyChart;
import dev.runner.results.RunFolder;
import dev.runner.train.Evaluation;
import dev.runner.train.AccuracyLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code runner evaluate}: a saved model measured on a set of labelled images as a run measures its test set
 * (the same {@link Evaluation}, batches and engine), written into a new folder {@code evaluations/<run-id>/}
 * inside the run: {@code evaluation.json}, {@code confusion_matrix.png} and {@code per_class_accuracy.png}. The
 * run's own files are never touched.
 */
public final class Evaluator {
    public static final String FOLDER = "evaluations";
    public static final String FILE = "evaluation.json";

    private Evaluator() {}

    /** What was measured and where it was written. */
    public record Result(Path folder, Evaluation evaluation, List<String> lines) {}

    /**
     * @param source what the images are, for the record: {@code test}, {@code val}, {@code train} or a folder
     * @param batch  evaluation batch size (does not change the figures)
     */
    public static Result evaluate(SavedRun run, Network net, ImageSet images, String source, String dataRoot,
                                  int batch) {
        List<String> classes = run.classes();
        Evaluation ev = Evaluation.of(net, Predictor.batches(net, images, run.experiment().data(), batch),
                classes.size(), () -> false);
        Path folder = RunFolder.create(run.folder(), FOLDER);
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("run", run.folder().toAbsolutePath().toString());
        root.put("model", run.which());
        root.put("model_file", run.model().getFileName().toString());
        if (run.epoch() > 0) {
            root.put("epoch", run.epoch());
        }
        root.put("data", source);
        if (dataRoot != null) {
            root.put("data_root", dataRoot);
        }
        root.put("images", ev.total());
        root.put("loss", ev.loss());
        root.put("accuracy", ev.accuracy());
        ObjectNode pc = root.putObject("per_class_accuracy");
        Map<String, Double> perClass = ev.perClass(classes);
        perClass.forEach((c, v) -> {
            if (v == null) {
                pc.putNull(c);
            } else {
                pc.put(c, v);
            }
        });
        ArrayNode cm = root.putArray("confusion_matrix");
        for (long[] row : ev.confusion()) {
            ArrayNode r = cm.addArray();
            for (long v : row) {
                r.add(v);
            }
        }
        try {
            AtomicFiles.writeString(folder.resolve(FILE),
                    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String title = run.experiment().name() + " on " + source;
        int[][] counts = new int[classes.size()][classes.size()];
        for (int i = 0; i < counts.length; i++) {
            for (int j = 0; j < counts.length; j++) {
                counts[i][j] = Math.toIntExact(ev.confusion()[i][j]);
            }
        }
        ConfusionMatrixChart.draw(folder.resolve(ConfusionMatrixChart.FILE), title, classes, counts);
        PerClassAccuracyChart.draw(folder.resolve(PerClassAccuracyChart.FILE), title, classes, perClass, null,
                ev.accuracy());
        List<String> lines = new ArrayList<>();
        lines.add(String.format(java.util.Locale.ROOT, "loss %.4f", ev.loss()));
        lines.addAll(AccuracyLines.accuracyLines(Math.toIntExact(ev.total()), SavedRun.SPLITS.contains(source) ? source : "labelled",
                ev.accuracy(), classes, perClass));
        return new Result(folder, ev, lines);
    }
}
