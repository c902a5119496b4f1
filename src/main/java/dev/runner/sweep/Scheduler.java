package dev.runner.sweep;

import dev.runner.UserError;
import dev.runner.results.SweepFolder;
import dev.runner.spec.SweepLoader;
import dev.runner.spec.SweepSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What an adaptive sweep (TPE, pruning) runs next: {@link Asha}'s promotions and new trials, a new trial's values
 * from {@link Tpe} (or the sweep's pre-drawn list for grid and random), given the results reported so far. Pure
 * apart from {@code newTrial}, which validates and records a TPE trial; the sweep engine ({@link Sweep}) calls it in
 * a fixed order so that the same results always give the same jobs (see {@link Sweep}'s decision lag).
 */
final class Scheduler {
    /** Makes (validates, writes) trial {@code index} (1-based) of a TPE sweep from values, returns its name. */
    interface TrialMaker {
        String make(SweepSpec.Trial trial);
    }

    private final Asha asha;
    private final boolean pruned;
    private final Tpe tpe;
    private final SweepSpec spec;
    private final List<Tpe.Param> params = new ArrayList<>();
    private final int count;
    private final Function<Integer, String> existingName;
    private final TrialMaker maker;
    private final Map<Integer, double[]> xs = new HashMap<>();
    /** Per trial (0-based): its highest rung reported and the value there. */
    private final Map<Integer, double[]> best = new LinkedHashMap<>();

    /**
     * @param search       the recorded search ({@link #describe}) of sweep.json
     * @param spec         the sweep as loaded (for TPE: its distributions; else unused, may be null)
     * @param existingName the name of trial {@code i} (1-based) already in sweep.json, or null
     */
    Scheduler(Map<String, Object> search, boolean maximize, SweepSpec spec, Function<Integer, String> existingName,
              TrialMaker maker) {
        Object p = search.get("pruning");
        if (p instanceof Map<?, ?> pm) {
            this.pruned = true;
            this.asha = new Asha(num(pm, "min_epochs"), num(pm, "max_epochs"), num(pm, "reduction_factor"),
                    "hyperband".equals(pm.get("kind")), maximize);
        } else {
            this.pruned = false;
            this.asha = new Asha(1, 1, 2, false, maximize);     // one rung: trials run to their end
        }
        this.count = Math.min(num(search, "trials"), search.get("max_trials") instanceof Number n ? n.intValue()
                : Integer.MAX_VALUE);
        this.spec = spec;
        this.existingName = existingName;
        this.maker = maker;
        if ("tpe".equals(search.get("method"))) {
            for (SweepSpec.Param sp : spec.search().params()) {
                params.add(switch (sp.kind()) {
                    case "choice" -> Tpe.Param.choice(sp.choices().size());
                    case "log_uniform" -> new Tpe.Param(Tpe.Kind.LOG_UNIFORM, sp.low(), sp.high(), 0);
                    case "int_uniform" -> new Tpe.Param(Tpe.Kind.INT_UNIFORM, sp.low(), sp.high(), 0);
                    default -> new Tpe.Param(Tpe.Kind.UNIFORM, sp.low(), sp.high(), 0);
                });
            }
            this.tpe = new Tpe(params, spec.search().seed(), maximize);
        } else {
            this.tpe = null;
        }
    }

    private static int num(Map<?, ?> m, String key) {
        return ((Number) m.get(key)).intValue();
    }

    /** sweep.json's {@code search}: everything the decisions depend on. */
    static Map<String, Object> describe(SweepSpec.Search s, int trials) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", s.method());
        m.put("seed", s.seed());
        m.put("trials", trials);
        m.put("seeds", s.seeds());
        if (s.pruning() != null) {
            SweepSpec.Pruning p = s.pruning();
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("kind", p.kind());
            pm.put("min_epochs", p.minEpochs());
            pm.put("max_epochs", p.maxEpochs());
            pm.put("reduction_factor", p.reductionFactor());
            pm.put("rungs", new Asha(p.minEpochs(), p.maxEpochs(), p.reductionFactor(),
                    p.kind().equals("hyperband"), true).rungs());
            m.put("pruning", pm);
        }
        if (s.maxTrials() != null) m.put("max_trials", s.maxTrials());
        if (s.maxMinutes() != null) m.put("max_minutes", s.maxMinutes());
        if (s.maxConcurrent() != null) m.put("max_concurrent", s.maxConcurrent());
        return m;
    }

    /** Whether a new trial may start: the method has one left, within max_trials. */
    boolean hasNewTrial() {
        return asha.started() < count;
    }

    int started() {
        return asha.started();
    }

    /** The next job (trial numbers 1-based, epochs 0 = to the experiment's end), or null. */
    SweepFolder.Job next(boolean mayStart) {
        Asha.Job j = asha.next(mayStart && hasNewTrial());
        if (j == null) {
            return null;
        }
        if (j.starts() && tpe != null) {
            newTpeTrial(j.trial());
        }
        return new SweepFolder.Job(j.trial() + 1, j.bracket(), j.rung(), pruned ? j.epochs() : 0, null);
    }

    private void newTpeTrial(int trial) {
        List<Tpe.Observation> obs = new ArrayList<>();
        best.forEach((t, rv) -> obs.add(new Tpe.Observation(t, xs.get(t), rv[2] > 0, (int) rv[0], rv[1])));
        double[] x = tpe.suggest(trial, obs);
        xs.put(trial, x);
        SweepSpec.Trial t = SweepLoader.trial(spec, trial + 1, x);
        String had = existingName.apply(trial + 1);
        if (had == null) {
            maker.make(t);
        } else if (!had.equals(t.name())) {
            throw new UserError("the sweep's TPE suggests " + t.name() + " as trial " + (trial + 1) + " where"
                    + " sweep.json has " + had + ": the experiment file or its sweep section changed since the sweep"
                    + " began", 1, null);
        }
    }

    /** Job {@code j}'s result at its rung: the value (NaN: failed). */
    void report(SweepFolder.Job j, double value) {
        int epochs = pruned ? j.epochs() : 1;
        Asha.Job aj = new Asha.Job(j.trial() - 1, j.bracket(), j.rung(), epochs);
        asha.report(aj, value);
        boolean top = asha.rungs().get(j.bracket()).size() - 1 == j.rung();
        double[] prev = best.get(j.trial() - 1);
        if (prev == null || j.rung() >= prev[0]) {
            best.put(j.trial() - 1, new double[] {j.rung(), value, top ? 1 : 0});
        }
    }

    /** True when trial {@code trial} (1-based) ended below its bracket's top rung. */
    boolean stoppedEarly(int trial) {
        return pruned && asha.stoppedEarly(trial - 1);
    }
}
