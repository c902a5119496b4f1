package dev.runner.cli;

import dev.runner.results.SeedTable;
import dev.runner.results.SweepFolder;
import dev.runner.results.RunTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner table PATH...}: one row per run, the short keys that differ, final metrics, status and time. */
@Command(name = "table", mixinStandardHelpOptions = true,
        description = "Tabulate runs: sweep folders, an experiment's results, or run folders.")
final class TableCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Sweep folders, results folders or run folders.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, markdown, csv or json (default: text).")
    RunTable.Format format = RunTable.Format.TEXT;

    @Option(names = "--metric", paramLabel = "METRIC", description = "Sort by test_accuracy, train_accuracy,"
            + " test_loss or train_loss (default: the sweep's metric, else test_accuracy).")
    String metric;

    @Option(names = "--columns", split = ",", paramLabel = "KEY[,KEY...]", description = "The parameter columns,"
            + " as flattened keys (optimizer.sgd.lr, data.batch_size) or layers (default: the short keys that"
            + " differ, and layers when the network does).")
    List<String> columns;

    @Override
    public Integer call() {
        System.out.print(RunTable.render(RunTable.of(paths, metric, columns), format));
        if (paths.size() == 1 && SweepFolder.isSweepFolder(paths.get(0))
                && (format == RunTable.Format.TEXT || format == RunTable.Format.MARKDOWN)) {
            SweepFolder.Index idx = SweepFolder.read(paths.get(0));
            if (idx.seeds() > 1) {
                System.out.println();
                System.out.print(SeedTable.render(idx, format == RunTable.Format.MARKDOWN));
            }
        }
        System.out.flush();
        return 0;
    }
}
