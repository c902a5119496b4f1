package dev.runner.cli;

import dev.runner.UserError;
import dev.runner.data.ImageFiles;
import dev.runner.data.ImageSet;
import dev.runner.data.LoadedData;
import dev.runner.model.Backend;
import dev.runner.model.Network;
import dev.runner.serving.PredictionWriter;
import dev.runner.serving.Predictor;
import dev.runner.serving.SavedRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner predict RUN|MODEL INPUT...}: class and top-k probabilities of images, from a trained run. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify images with a trained run's model (its own evaluation preprocessing and engine).")
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN|MODEL", description = "A run folder, or a model file in one.")
    Path run;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "INPUT",
            description = "PNG/JPEG files or folders of them (or --split instead).")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--split", paramLabel = "SPLIT", description = "The run's dataset split instead of files:"
            + " test, val or train.")
    String split;

    @Option(names = "--data-root", paramLabel = "DIR", description = "Where the dataset of --split lives"
            + " (default: the one the run recorded).")
    String dataRoot;

    @Option(names = "--top", paramLabel = "K", description = "Classes shown per image (default: ${DEFAULT-VALUE}).")
    int top = 1;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, csv or json (default: ${DEFAULT-VALUE}).")
    String format = "text";

    @Option(names = "--model", paramLabel = "WHICH", description = "last or best (default: ${DEFAULT-VALUE}).")
    String model = SavedRun.LAST;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size (default: the run's test_batch_size).")
    Integer batch;

    @Override
    public Integer call() {
        if (!PredictionWriter.FORMATS.contains(format)) {
            throw new UserError("--format must be one of " + PredictionWriter.FORMATS + ", got " + format, 2, null);
        }
        checkModel(model);
        if (top < 1) {
            throw new UserError("--top must be at least 1, got " + top, 2, null);
        }
        if (batch != null && batch < 1) {
            throw new UserError("--batch must be at least 1, got " + batch, 2, null);
        }
        if (inputs.isEmpty() == (split == null)) {
            throw new UserError(split == null ? "no INPUT given: name image files or folders, or --split test|val|train"
                    : "give either INPUT files or --split, not both", 2, null);
        }
        PrintStream out = System.out;
        Backend.init();
        SavedRun saved = SavedRun.open(run, model);
        List<String> names = new ArrayList<>();
        int[] labels = null;
        ImageSet images;
        if (split != null) {
            LoadedData data = EvaluateCommand.data(saved, dataRoot);
            images = saved.split(data, split);
            labels = images.labels();
            for (int i = 0; i < images.size(); i++) {
                names.add(split + "[" + i + "]");
            }
        } else {
            List<Path> files = ImageFiles.expand(inputs);
            images = ImageFiles.decode(files, null, saved.classes(), saved.inputShape(), saved.resize());
            files.forEach(f -> names.add(f.toString()));
        }
        Network net = saved.network();
        int b = batch != null ? batch : saved.experiment().data().testBatchSize();
        float[][] probs = Predictor.probabilities(net, images, saved.experiment().data(), b,
                System.console() != null ? System.err : null);
        PredictionWriter.write(out, format, saved, names, labels, probs, top);
        out.flush();
        return 0;
    }

    static void checkModel(String model) {
        if (!SavedRun.LAST.equals(model) && !SavedRun.BEST.equals(model)) {
            throw new UserError("--model must be last or best, got " + model, 2, null);
        }
    }
}
