package dev.runner.serving;

import dev.runner.UserError;
import dev.runner.model.Backend;
import dev.runner.model.Network;
import dev.runner.model.Networks;
import dev.runner.results.Provenance;
import dev.runner.results.RunFolder;
import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import dev.runner.train.Checkpoint;
import dev.runner.train.Metrics;
import dev.runner.train.Optimizers;
import dev.runner.train.Schedules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A trained model as its run folder describes it: the experiment it was trained by ({@code experiment.yaml}: the
 * network, the evaluation preprocessing, the engine), its class names ({@code metrics.json}) and one of its saved
 * models, {@code model.zip} (the last epoch) or {@code best_model.zip} (the best epoch, see
 * {@code checkpoint.best}).
 *
 * @param folder    the run folder
 * @param model     the model file used
 * @param which     {@code last} or {@code best}
 * @param epoch     the epoch the model file holds (0 when unknown)
 */
public record SavedRun(Path folder, Experiment experiment, List<String> classes, Path model, String which,
                       int epoch) {
    public static final String LAST = "last";
    public static final String BEST = "best";
    /** The best epoch's model, beside {@link RunFolder#MODEL}. */
    public static final String BEST_MODEL = dev.runner.train.Trainer.BEST_MODEL;

    /**
     * Opens {@code path}: a run folder, or a model file inside one ({@code model.zip}, {@code best_model.zip}).
     *
     * @param which {@code last} or {@code best} (ignored when {@code path} names the model file)
     */
    public static SavedRun open(Path path, String which) {
        Path folder;
        Path model;
        if (Files.isRegularFile(path)) {
            folder = path.toAbsolutePath().getParent();
            model = path;
            which = path.getFileName().toString().equals(BEST_MODEL) ? BEST : LAST;
        } else if (Files.isDirectory(path)) {
            folder = path;
            model = path.resolve(BEST.equals(which) ? BEST_MODEL : RunFolder.MODEL);
        } else {
            throw new UserError(path + ": no such run folder or model file", 2, null);
        }
        if (!dev.runner.ResultFiles.exists(folder, RunFolder.EXPERIMENT)
                || !dev.runner.ResultFiles.exists(folder, Metrics.FILE)) {
            throw new UserError(path + ": not in a results folder (no experiment.yaml and metrics.json beside it)",
                    2, null);
        }
        Metrics metrics = Metrics.read(folder, Metrics.FILE);
        // the model as results files are read: a regular file inside the folder, not a link out
        if (dev.runner.ResultFiles.checked(folder, model.getFileName().toString(), Checkpoint.MODEL_LIMIT) == null) {
            String why = BEST.equals(which)
                    ? "the run kept no best model (its experiment has no checkpoint.best)"
                    : "the run has not completed (status " + metrics.status + ")"
                    + (Checkpoint.exists(folder) ? "; its checkpoint can be continued with runner run --resume "
                    + folder : "");
            throw new UserError(model + ": missing: " + why, 1, null);
        }
        dev.runner.ResultFiles.checked(folder, RunFolder.EXPERIMENT, dev.runner.ResultFiles.SMALL_LIMIT);
        Experiment exp = ExperimentLoader.load(folder.resolve(RunFolder.EXPERIMENT), List.of());
        if (exp.optimizer().lrFromRangeTest() != null) {
            // the updater compiled with the network does not change its outputs; the recorded lr keeps it valid
            double lr = Provenance.read(folder).path("lr_from_range_test").path("lr").asDouble(1e-3);
            exp = exp.withLr(lr);
        }
        int epoch = BEST.equals(which) ? bestEpoch(metrics) : metrics.epochs.size();
        return new SavedRun(folder, exp, List.copyOf(metrics.classes), model, which, epoch);
    }

    private static int bestEpoch(Metrics m) {
        return m.best == null ? 0 : m.best.epoch();
    }

    /**
     * The saved network, on the engine and in the precision the run trained with, ready for inference
     * (initialises the backend first).
     */
    public Network network() {
        Backend.init();
        Experiment exp = experiment;
        Optimizers.Plan plan = Optimizers.plan(exp.optimizer(), Schedules.of(exp.schedule(), exp.optimizer().lr(),
                1, exp.epochs()));
        return Networks.load(exp.model(), plan.compileOptions(exp), model, false);
    }

    /** The splits {@link #split} knows. */
    public static final List<String> SPLITS = List.of("test", "val", "train");

    /**
     * Split {@code name} ({@code test}, {@code val} or {@code train}) of the run's dataset as loaded from
     * {@code data}; {@code val} needs the experiment's validation set.
     */
    public dev.runner.data.ImageSet split(dev.runner.data.LoadedData data, String name) {
        return switch (name) {
            case "test" -> data.test();
            case "train" -> data.train();
            case "val" -> {
                if (data.val() == null) {
                    throw new UserError("--split val: the run has no validation set (data.val_split, or an image"
                            + " folder's val/ folder)", 2, null);
                }
                yield data.val();
            }
            default -> throw new UserError("--split must be one of " + SPLITS + ", got " + name, 2, null);
        };
    }

    /** The data root the run was trained from (provenance.json), or null. */
    public String recordedDataRoot() {
        return Provenance.read(folder).path("data_root").asText(null);
    }

    /** The model's input shape, [channels, height, width]. */
    public int[] inputShape() {
        return experiment.model().input();
    }

    /** The size images of another size are resized to on load (the experiment's image folder resize), or null. */
    public int[] resize() {
        return experiment.data().dataset() instanceof dev.runner.spec.DataSpec.ImageFolder f ? f.resize() : null;
    }
}
