package dev.runner.sweep;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Asynchronous successive halving (ASHA; Li et al. 2018, "A System for Massively Parallel Hyperparameter Tuning",
 * Algorithm 2), and Hyperband as brackets of it (the same paper, section 3.3). Trials are numbered 0, 1, 2, ... in
 * the order they start; the resource is epochs.
 *
 * <p>A bracket with early-stopping rate {@code s} has rungs at {@code min_epochs * eta^(s+k)} epochs below
 * {@code max_epochs}, and {@code max_epochs} itself as its top. A trial that reaches a rung waits there; {@link #next}
 * promotes, from the highest rung down, the best not yet promoted trial among the top {@code floor(n / eta)} of the
 * {@code n} trials that reported at that rung, or else starts a new trial at the bracket's bottom rung. ASHA is one
 * bracket ({@code s = 0}); Hyperband runs brackets {@code s = 0 .. s_max} ({@code s_max} the number of rungs below
 * {@code max_epochs}, the last bracket never stopping early) and gives the trials to them in turn.
 *
 * <p>Pure and deterministic: what it decides depends only on the results reported to it and their order. Ties are
 * broken by the trial's number (the earlier one first); a trial that failed or measured no number at a rung ranks
 * below every measured one and is never promoted.
 */
public final class Asha {
    /** Train {@code trial} (of bracket {@code bracket}) up to {@code epochs} epochs, which is its rung {@code rung}. */
    public record Job(int trial, int bracket, int rung, int epochs) {
        /** A new trial, from its first epoch (else a promotion, which continues from its checkpoint). */
        public boolean starts() {
            return rung == 0;
        }
    }

    private final int maxEpochs;
    private final int eta;
    private final boolean maximize;
    private final List<Bracket> brackets = new ArrayList<>();
    private final Map<Integer, Integer> bracketOf = new LinkedHashMap<>();
    private int started;

    /**
     * @param hyperband brackets {@code s = 0 .. s_max} (else one bracket, ASHA)
     * @param maximize  larger rung values are better
     */
    public Asha(int minEpochs, int maxEpochs, int reductionFactor, boolean hyperband, boolean maximize) {
        if (minEpochs < 1 || maxEpochs < minEpochs || reductionFactor < 2) {
            throw new IllegalArgumentException("need 1 <= min_epochs <= max_epochs and reduction_factor >= 2, got "
                    + minEpochs + ", " + maxEpochs + ", " + reductionFactor);
        }
        this.maxEpochs = maxEpochs;
        this.eta = reductionFactor;
        this.maximize = maximize;
        List<Integer> below = rungsBelow(minEpochs, maxEpochs, reductionFactor);
        int count = hyperband ? below.size() + 1 : 1;
        for (int s = 0; s < count; s++) {
            List<Integer> rungs = new ArrayList<>(below.subList(s, below.size()));
            rungs.add(maxEpochs);
            brackets.add(new Bracket(rungs));
        }
    }

    /** {@code min * eta^k} for k = 0, 1, ... while below {@code max}. */
    static List<Integer> rungsBelow(int min, int max, int eta) {
        List<Integer> out = new ArrayList<>();
        for (long r = min; r < max; r *= eta) {
            out.add((int) r);
        }
        return out;
    }

    /** Each bracket's rungs in epochs (the last is max_epochs). */
    public List<List<Integer>> rungs() {
        return brackets.stream().map(b -> List.copyOf(b.epochs)).toList();
    }

    public int maxEpochs() {
        return maxEpochs;
    }

    /** Trials started so far. */
    public int started() {
        return started;
    }

    /**
     * The next job: the best promotion, or when there is none and {@code mayStart}, a new trial (numbered
     * {@link #started()}); null when there is nothing to do until more results come in (or at all).
     */
    public Job next(boolean mayStart) {
        // promotions first, the highest rung first (Algorithm 2); over brackets in order
        Job best = null;
        for (int b = 0; b < brackets.size(); b++) {
            Bracket br = brackets.get(b);
            for (int k = br.epochs.size() - 2; k >= 0; k--) {
                Integer t = br.promotable(k);
                if (t != null) {
                    if (best == null || k + 1 > best.rung()) {
                        best = new Job(t, b, k + 1, br.epochs.get(k + 1));
                    }
                    break;
                }
            }
        }
        if (best != null) {
            brackets.get(best.bracket()).promoted.get(best.rung() - 1).add(best.trial());
            return best;
        }
        if (!mayStart) {
            return null;
        }
        int trial = started++;
        int b = trial % brackets.size();
        bracketOf.put(trial, b);
        return new Job(trial, b, 0, brackets.get(b).epochs.get(0));
    }

    /**
     * The trial's value at the end of {@code job} (its rung); NaN when it failed or measured nothing. A trial that
     * failed before its rung reports NaN there too.
     */
    public void report(Job job, double value) {
        Bracket br = brackets.get(job.bracket());
        br.results.get(job.rung()).put(job.trial(), value);
    }

    /**
     * A trial that ended at a rung below the top and was not promoted is pruned, once the sweep is over. True for a
     * trial whose highest reported rung is below its bracket's top.
     */
    public boolean stoppedEarly(int trial) {
        Bracket br = brackets.get(bracketOf.getOrDefault(trial, 0));
        return !br.results.get(br.epochs.size() - 1).containsKey(trial);
    }

    /** Compares values best first (NaN last). */
    private int compare(double a, double b) {
        boolean na = Double.isNaN(a);
        boolean nb = Double.isNaN(b);
        if (na || nb) {
            return na == nb ? 0 : na ? 1 : -1;
        }
        return maximize ? Double.compare(b, a) : Double.compare(a, b);
    }

    private final class Bracket {
        final List<Integer> epochs;
        /** Per rung: trial -> value, in report order. */
        final List<Map<Integer, Double>> results = new ArrayList<>();
        /** Per rung: trials promoted from it. */
        final List<Set<Integer>> promoted = new ArrayList<>();

        Bracket(List<Integer> epochs) {
            this.epochs = epochs;
            for (int i = 0; i < epochs.size(); i++) {
                results.add(new LinkedHashMap<>());
                promoted.add(new HashSet<>());
            }
        }

        /** The best trial of rung k's top floor(n / eta) not yet promoted, or null. */
        Integer promotable(int k) {
            Map<Integer, Double> r = results.get(k);
            int top = r.size() / eta;
            if (top == 0) {
                return null;
            }
            List<Map.Entry<Integer, Double>> sorted = new ArrayList<>(r.entrySet());
            sorted.sort((x, y) -> {
                int c = compare(x.getValue(), y.getValue());
                return c != 0 ? c : Integer.compare(x.getKey(), y.getKey());
            });
            for (Map.Entry<Integer, Double> e : sorted.subList(0, top)) {
                if (!Double.isNaN(e.getValue()) && !promoted.get(k).contains(e.getKey())) {
                    return e.getKey();
                }
            }
            return null;
        }
    }
}
