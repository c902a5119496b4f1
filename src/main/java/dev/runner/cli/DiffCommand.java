package dev.runner.cli;

import dev.runner.results.SeedTable;
import dev.runner.results.SweepFolder;
import dev.runner.UserError;
import dev.runner.results.Diff;
import dev.runner.results.RunReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner diff A B}: what differs between two runs, in the experiment and in the metrics. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Compare two results folders (or experiment names: their newest runs).")
final class DiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "A results folder or an experiment name.")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "A results folder or an experiment name.")
    String b;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, markdown or json (default: ${DEFAULT-VALUE}).")
    String format = "text";

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Also draw both runs' loss and accuracy curves.")
    Path plot;

    @Option(names = "--results", paramLabel = "DIR", description = "Results root for names (default: ${DEFAULT-VALUE}).")
    Path results = Path.of("results");

    @Override
    public Integer call() {
        Diff.Format f;
        try {
            f = Diff.Format.parse(format);
        } catch (UserError e) {
            throw new UserError(e.getMessage(), 2, null);     // a bad flag, not a runtime problem
        }
        Path pa = resolve(a, results);
        Path pb = resolve(b, results);
        if (SweepFolder.isSweepFolder(pa) && SweepFolder.isSweepFolder(pb)) {
            // two sweeps: their best configurations, and whether the difference is more than seed noise
            System.out.print(SeedTable.compareBest(pa, pb));
            return 0;
        }
        Diff.Result r = Diff.compare(pa, pb);
        System.out.print(Diff.render(r, f));
        if (plot != null) {
            Diff.plot(r, plot);
            System.err.println("Plot: " + plot);
        }
        return 0;
    }

    /** A folder as given, or an experiment name meaning its newest run under the results root. */
    static Path resolve(String arg, Path results) {
        Path p = Path.of(arg);
        if (Files.isDirectory(p)) {
            return p;
        }
        if (arg.contains("/") || arg.contains(java.io.File.separator)) {
            throw new UserError(arg + (Files.exists(p) ? ": not a results folder" : ": no such results folder"));
        }
        return RunReader.newestRun(results, arg);
    }
}
