package dev.runner.cli;

import dev.runner.UserError;
import dev.runner.results.Report;
import dev.runner.serve.StaticSite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runner report RUN...}: a Markdown lab report of several runs, in the order given; {@code runner report
 * --html DIR [RESULTS_ROOT]}: the pages of {@code runner serve} as static files.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a Markdown report of results folders (or experiment names: their newest runs),"
                + " or with --html DIR the web pages of a results folder as static files.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "RUN", description = "Results folders or experiment names; with"
            + " --html, one results folder (default: --results).")
    List<String> runs = new ArrayList<>();

    @Option(names = "--html", paramLabel = "DIR", description = "Write the pages of runner serve into DIR (a new"
            + " or empty folder, or an earlier report) instead of Markdown.")
    Path html;

    @Option(names = {"-o", "--output"}, paramLabel = "REPORT.md", description = "Where to write (default: ${DEFAULT-VALUE}).")
    Path output = Path.of("report.md");

    @Option(names = "--results", paramLabel = "DIR", description = "Results root for names (default: ${DEFAULT-VALUE}).")
    Path results = Path.of("results");

    @Override
    public Integer call() {
        if (html != null) {
            if (runs.size() > 1) {
                throw new UserError("report --html: give one results folder (all its runs and sweeps are written),"
                        + " not " + runs.size(), 2, null);
            }
            Path root = runs.isEmpty() ? results : Path.of(runs.get(0));
            StaticSite.Written w = StaticSite.write(root, html);
            System.out.println("Report: " + html.resolve("index.html") + " (" + count(w.runs(), "run") + ", "
                    + count(w.sweeps(), "sweep") + (w.unreadable() > 0 ? ", " + w.unreadable() + " unreadable" : "")
                    + ")");
            return 0;
        }
        if (runs.isEmpty()) {
            throw new UserError("report: give at least one results folder or experiment name", 2, null);
        }
        List<Path> folders = new ArrayList<>();
        for (String r : runs) {
            folders.add(DiffCommand.resolve(r, results));
        }
        Report.write(folders, output);
        System.out.println("Report: " + output);
        return 0;
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
