package dev.runner.results.charts;

import dev.runner.results.RunReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The charts a results folder gets, in the one order a run draws them and {@code runner report} shows them. The one
 * place this is decided: {@code runner run} (a training run or a range test) draws {@link #draw}, the report ranks
 * a folder's PNGs by {@link #files()}.
 */
public final class RunCharts {
    /** Every chart of a results folder, in order. */
    public static final List<RunChart> ALL = List.of(new LossChart(), new AccuracyChart(), new LrChart(),
            new PerClassAccuracyChart(), new ConfusionMatrixChart(), new LrRangeTestChart());

    private RunCharts() {
    }

    /** The charts' file names, in order. */
    public static List<String> files() {
        return ALL.stream().map(RunChart::file).toList();
    }

    /**
     * Draws every chart that applies to the results folder {@code folder} from its files, in order; returns the
     * files written. A training run gets loss, accuracy and lr, and once completed per-class accuracy and the
     * confusion matrix; a range test gets its curve.
     */
    public static List<Path> draw(Path folder) {
        RunReader.Run run = RunReader.read(folder);
        List<Path> out = new ArrayList<>();
        for (RunChart c : ALL) {
            if (c.applies(run)) {
                Path png = folder.resolve(c.file());
                c.draw(run, png);
                out.add(png);
            }
        }
        return out;
    }

    /** Iterations per epoch of {@code run} for its per-iteration charts (all its iterations when not recorded). */
    static int itersPerEpoch(RunReader.Run run) {
        return run.itersPerEpoch() > 0 ? run.itersPerEpoch() : Math.max(1, run.iterLoss().length);
    }
}
