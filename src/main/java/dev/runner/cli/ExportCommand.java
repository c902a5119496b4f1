package dev.runner.cli;

import dev.runner.UserError;
import dev.runner.export.OnnxExport;
import dev.runner.model.Backend;
import dev.runner.model.Network;
import dev.runner.serving.SavedRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner export RUN --format onnx -o FILE}: a trained run's model as an ONNX file. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a trained run's model as an ONNX file (class names and preprocessing in its metadata).")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN|MODEL", description = "A run folder, or a model file in one.")
    Path run;

    @Option(names = "--format", paramLabel = "FORMAT", description = "onnx (the only one; default ${DEFAULT-VALUE}).")
    String format = "onnx";

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The file to write.")
    Path output;

    @Option(names = "--model", paramLabel = "WHICH", description = "last or best (default: ${DEFAULT-VALUE}).")
    String model = SavedRun.LAST;

    @Override
    public Integer call() {
        if (!"onnx".equals(format)) {
            throw new UserError("--format must be onnx, got " + format, 2, null);
        }
        PredictCommand.checkModel(model);
        Backend.init();
        SavedRun saved = SavedRun.open(run, model);
        Network net = saved.network();
        var m = OnnxExport.write(saved, net.graph(), output);
        System.out.println("Exported " + saved.model() + " (" + m.getGraph().getNodeCount() + " ONNX nodes, opset "
                + OnnxExport.OPSET + ") -> " + output);
        return 0;
    }
}
