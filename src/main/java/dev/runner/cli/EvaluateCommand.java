package dev.runner.cli;

import dev.runner.UserError;
import dev.runner.data.ImageFiles;
import dev.runner.data.ImageSet;
import dev.runner.data.LoadedData;
import dev.runner.model.Backend;
import dev.runner.model.Network;
import dev.runner.serving.Evaluator;
import dev.runner.serving.SavedRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner evaluate RUN}: loss, accuracy, per-class accuracy and confusion matrix into evaluations/. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Measure a trained run's model on a split of its dataset or a labelled folder; writes"
                + " RUN/evaluations/<run-id>/.")
final class EvaluateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN|MODEL", description = "A run folder, or a model file in one.")
    Path run;

    @Option(names = "--split", paramLabel = "SPLIT", description = "test, val or train (default: ${DEFAULT-VALUE}).")
    String split = "test";

    @Option(names = "--folder", paramLabel = "DIR", description = "A labelled folder DIR/<class>/*.png|jpg instead of"
            + " a split.")
    Path folder;

    @Option(names = "--data-root", paramLabel = "DIR", description = "Where the dataset lives (default: the one the"
            + " run recorded).")
    String dataRoot;

    @Option(names = "--model", paramLabel = "WHICH", description = "last or best (default: ${DEFAULT-VALUE}).")
    String model = SavedRun.LAST;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size (default: the run's test_batch_size).")
    Integer batch;

    @Override
    public Integer call() {
        PredictCommand.checkModel(model);
        if (batch != null && batch < 1) {
            throw new UserError("--batch must be at least 1, got " + batch, 2, null);
        }
        PrintStream out = System.out;
        Backend.init();
        SavedRun saved = SavedRun.open(run, model);
        ImageSet images;
        String source;
        String root = null;
        if (folder != null) {
            images = ImageFiles.labelled(folder, saved.classes(), saved.inputShape(), saved.resize()).images();
            source = folder.toAbsolutePath().normalize().toString();
        } else {
            if (!SavedRun.SPLITS.contains(split)) {
                throw new UserError("--split must be one of " + SavedRun.SPLITS + ", got " + split, 2, null);
            }
            LoadedData data = data(saved, dataRoot);
            images = saved.split(data, split);
            source = split;
            root = dev.runner.data.DataRoot.resolve(dataRoot != null ? dataRoot : saved.recordedDataRoot())
                    .toAbsolutePath().toString();
        }
        Network net = saved.network();
        int b = batch != null ? batch : saved.experiment().data().testBatchSize();
        Evaluator.Result r = Evaluator.evaluate(saved, net, images, source, root, b);
        r.lines().forEach(out::println);
        out.println("Evaluation: " + r.folder());
        out.flush();
        return 0;
    }

    /** The run's dataset, from {@code dataRoot} or else the data root the run recorded. */
    static LoadedData data(SavedRun saved, String dataRoot) {
        String root = dataRoot != null ? dataRoot : saved.recordedDataRoot();
        Pipeline.checkDataRoot(root);
        return Pipeline.data(saved.experiment(), root, System.err);
    }
}
