package dev.runner.cli;

import dev.runner.results.Report;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner report RUN...}: a Markdown lab report of several runs, in the order given. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a Markdown report of results folders (or experiment names: their newest runs).")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Results folders or experiment names.")
    List<String> runs = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "REPORT.md", description = "Where to write (default: ${DEFAULT-VALUE}).")
    Path output = Path.of("report.md");

    @Option(names = "--results", paramLabel = "DIR", description = "Results root for names (default: ${DEFAULT-VALUE}).")
    Path results = Path.of("results");

    @Override
    public Integer call() {
        List<Path> folders = new ArrayList<>();
        for (String r : runs) {
            folders.add(DiffCommand.resolve(r, results));
        }
        Report.write(folders, output);
        System.out.println("Report: " + output);
        return 0;
    }
}
