package dev.runner.cli;

import dev.runner.data.Batches;
import dev.runner.data.DataRoot;
import dev.runner.data.Datasets;
import dev.runner.data.ImageSet;
import dev.runner.data.LoadedData;
import dev.runner.model.Backend;
import dev.runner.model.CompileOptions;
import dev.runner.model.MemoryEstimate;
import dev.runner.model.ModelCompiler;
import dev.runner.model.Network;
import dev.runner.model.NetworkTable;
import dev.runner.results.FeatureMapsFromNetwork;
import dev.runner.results.Provenance;
import dev.runner.spec.DataShapes;
import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import dev.runner.spec.VisualizeSpec;
import dev.runner.train.Optimizers;
import dev.runner.train.TrainingData;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The stages wired together: experiment file → spec → data → model. Each step is one call into its stage. */
final class Pipeline {
    private Pipeline() {
    }

    static Experiment load(Path file, List<String> sets) {
        return ExperimentLoader.load(file, sets);
    }

    static LoadedData data(Experiment exp, String dataRootFlag, PrintStream out) {
        Path root = DataRoot.resolve(dataRootFlag);
        checkShape(exp, Datasets.imageShape(exp.data()));
        return Datasets.load(exp.data(), root, out::println);
    }

    /**
     * The images fit {@code model.input}: checked when the experiment is loaded where the data set's kind tells
     * the shape, here for every kind, with an image folder's size read from its first image.
     */
    static void checkShape(Experiment exp, int[] stored) {
        String mismatch = DataShapes.mismatch(stored, exp.data().augment(), exp.model().input());
        if (mismatch != null) {
            throw new dev.runner.UserError(exp.file() + ": model.input: " + mismatch, 2, null);
        }
    }

    /**
     * {@code --results DIR} problems, found before any data is loaded: it must be a folder, or creatable inside a
     * writable one.
     */
    static void checkResultsRoot(Path results) {
        if (Files.exists(results) && !Files.isDirectory(results)) {
            throw new dev.runner.UserError("--results " + results + ": not a folder", 2, null);
        }
        Path p = results.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p)) {
            throw new dev.runner.UserError("--results " + results + ": cannot be created (" + p
                    + " is not a folder)", 2, null);
        }
        if (!Files.isWritable(p)) {
            throw new dev.runner.UserError("--results " + results + ": " + (p.equals(results.toAbsolutePath()
                    .normalize()) ? "" : p + " ") + "is not writable", 2, null);
        }
    }

    /**
     * The data root (the {@code --data-root} flag, else RUNNER_DATA, else {@code data}) must be a folder if it
     * exists; checked before any data is loaded. A missing one is created when a dataset is downloaded into it.
     */
    static void checkDataRoot(String dataRootFlag) {
        Path root = DataRoot.resolve(dataRootFlag);
        if (Files.exists(root) && !Files.isDirectory(root)) {
            String from = dataRootFlag != null && !dataRootFlag.isBlank() ? "--data-root " + root
                    : System.getenv(DataRoot.ENV) != null && !System.getenv(DataRoot.ENV).isBlank()
                    ? DataRoot.ENV + "=" + root : "the data root " + root;
            throw new dev.runner.UserError(from + ": not a folder", 2, null);
        }
    }

    static Network compile(Experiment exp, Optimizers.Plan plan) {
        return compile(exp, plan, null);
    }

    /** {@link #compile(Experiment, Optimizers.Plan)} with the precision decided for {@code cpuIsa} (null: here). */
    static Network compile(Experiment exp, Optimizers.Plan plan, String cpuIsa) {
        checkMemory(exp, exp.data().batchSize());
        return ModelCompiler.computationGraph().compile(exp.model(), plan.compileOptions(exp).withCpuIsa(cpuIsa));
    }

    /** The network's memory needs at batch {@code batch} ({@link MemoryEstimate}); bf16 only when asked for. */
    static MemoryEstimate memory(Experiment exp, int batch) {
        return MemoryEstimate.of(exp.model(), batch, exp.data().testBatchSize(), exp.optimizer());
    }

    /**
     * Refuses in one line a network that cannot fit the memory this process may use, before data is loaded or
     * anything allocated (ND4J's allocation of it would end the JVM with a segmentation fault).
     */
    static void checkMemory(Experiment exp, int batch) {
        memory(exp, batch).check(precisionAskedFor(exp));
    }

    /** "bf16" when the experiment asks for it, else "fp32" (auto is estimated at its larger, fp32). */
    static String precisionAskedFor(Experiment exp) {
        return dev.runner.model.Precision.BF16.equals(exp.precision()) ? dev.runner.model.Precision.BF16
                : dev.runner.model.Precision.FP32;
    }

    /**
     * {@code init_from}: the weights of another run's model copied into {@code net} (freshly compiled), as the
     * experiment says (all layers, or those that match); returns what provenance.json records, or null without
     * {@code init_from}.
     */
    static Map<String, Object> initFrom(Experiment exp, Network net, PrintStream out) {
        dev.runner.spec.InitFromSpec from = exp.initFrom();
        if (from == null) {
            return null;
        }
        dev.runner.serving.SavedRun saved = dev.runner.serving.SavedRun.open(from.run(), from.model());
        var source = dev.runner.model.ModelZip.read(saved.model(), false);
        var r = dev.runner.model.WeightTransfer.copy(source, net.graph(), "all".equals(from.layers()),
                saved.model().toString());
        out.println("Weights from " + saved.model() + ": " + r.loaded().size() + " layers loaded"
                + (r.initialised().isEmpty() ? "" : ", initialised as declared: " + String.join(", ", r.initialised())));
        Map<String, Object> rec = new java.util.LinkedHashMap<>();
        rec.put("run", saved.folder().toAbsolutePath().normalize().toString());
        rec.put("model_file", saved.model().getFileName().toString());
        rec.put("epoch", saved.epoch());
        rec.put("layers", from.layers());
        rec.put("loaded", r.loaded());
        rec.put("initialised", r.initialised());
        return rec;
    }

    /**
     * A freshly compiled network's data-dependent initialisations ({@code init: whitening} reads the first training
     * images, normalised, unaugmented); before {@link #initFrom}, which may overwrite them.
     */
    static void initFromData(Experiment exp, Network net, LoadedData data) {
        int n = dev.runner.model.Whitening.imagesNeeded(exp.model());
        if (n > 0) {
            try (var it = Batches.eval(data.train(), exp.data(), Math.min(n, data.train().size()), "NCHW")) {
                dev.runner.model.Whitening.apply(net, exp.model(), it.next().getFeatures());
            }
        }
    }

    /** The network table, with each layer's precision at batch {@code batch} when the network runs in bf16. */
    static String table(Network net, int batch) {
        return NetworkTable.table(net.summary(), net.layerPrecisions(batch));
    }

    static Provenance.Input provenance(Experiment exp, LoadedData data, String dataRootFlag, List<String> argv) {
        return new Provenance.Input(exp.seed(), DataRoot.resolve(dataRootFlag).toAbsolutePath(), data.files(),
                argv, Backend.describe());
    }

    /** The loaded images as the trainer's batches, in the network's layout. */
    static TrainingData trainingData(Experiment exp, LoadedData data, String layout) {
        int n = data.train().size();
        int ipe = exp.data().batchesPerEpoch(n);
        if (ipe == 0) {
            throw new dev.runner.UserError("data.drop_last: the " + n + " training images make no full batch of "
                    + exp.data().batchSize() + "; use a smaller batch_size or drop_last: false", 2, null);
        }
        return TrainingData.of(data.classes(), ipe,
                e -> Batches.train(data.train(), exp.data(), exp.seed(), e, layout),
                () -> Batches.eval(data.test(), exp.data(), exp.data().testBatchSize(), layout),
                () -> Batches.eval(data.train(), exp.data(), exp.data().testBatchSize(), layout),
                data.val() == null ? null : () -> Batches.eval(data.val(), exp.data(), exp.data().testBatchSize(), layout));
    }

    /**
     * A {@code val_*} metric named by {@code checkpoint.best} or {@code early_stopping} needs a validation set: an
     * image folder without {@code val/} (and without {@code data.val_split}) has none; checked before training.
     */
    static void checkValidation(Experiment exp, LoadedData data) {
        if (data.val() != null) {
            return;
        }
        String best = exp.checkpoint() == null ? null : exp.checkpoint().best();
        String watched = exp.earlyStopping() == null ? null : exp.earlyStopping().metric();
        for (String[] m : new String[][] {{"checkpoint.best", best}, {"early_stopping.metric", watched}}) {
            if (m[1] != null && m[1].startsWith("val_")) {
                throw new dev.runner.UserError(m[0] + ": " + m[1] + " needs a validation set, and the data has none"
                        + " (give data.val_split, e.g. 0.1, or a val/ folder in the image folder)", 2, null);
            }
        }
    }

    /**
     * Checks {@code visualize.feature_maps.indices} against the test set before training, so that a bad index is
     * reported at once (exit 2) rather than after the whole run, when the feature maps are drawn.
     */
    static void checkVisualize(Experiment exp, LoadedData data) {
        VisualizeSpec v = exp.visualize();
        if (v == null || v.featureMapLayers().isEmpty()) {
            return;
        }
        int n = data.test().size();
        for (int idx : v.featureMapIndices()) {
            if (idx < 0 || idx >= n) {
                throw new dev.runner.UserError("visualize.feature_maps.indices: image " + idx
                        + " is out of range (the test set has " + n + " images)", 2, null);
            }
        }
    }

    /** {@code visualize.feature_maps}: one {@code feature_maps_<layer>.png} per layer; returns the files. */
    static List<Path> featureMaps(Experiment exp, Network net, ImageSet test, Path folder) {
        VisualizeSpec v = exp.visualize();
        if (v == null || v.featureMapLayers().isEmpty()) {
            return List.of();
        }
        List<Integer> indices = new ArrayList<>(v.featureMapIndices());
        if (indices.isEmpty()) {
            for (int i = 0; i < Math.min(v.featureMapImages(), test.size()); i++) {
                indices.add(i);
            }
        }
        int c = test.channels();
        int h = test.height();
        int w = test.width();
        byte[] px = new byte[indices.size() * test.imageBytes()];
        int[] labels = new int[indices.size()];
        for (int k = 0; k < indices.size(); k++) {
            int idx = indices.get(k);
            if (idx < 0 || idx >= test.size()) {
                throw new dev.runner.UserError("visualize.feature_maps.indices: image " + idx
                        + " is out of range (the test set has " + test.size() + " images)");
            }
            System.arraycopy(test.pixels(), idx * test.imageBytes(), px, k * test.imageBytes(), test.imageBytes());
            labels[k] = test.label(idx);
        }
        ImageSet subset = new ImageSet(px, labels, c, h, w, test.classes());
        INDArray features;
        try (var it = Batches.eval(subset, exp.data(), indices.size(), net.layout(), 1)) {
            features = it.next().getFeatures().dup();
        }
        return FeatureMapsFromNetwork.draw(folder, exp.name(), net, v.featureMapLayers(), features,
                indices.stream().mapToInt(Integer::intValue).toArray(), exp.data().normalize());
    }
}
