package dev.runner.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import dev.runner.model.Network;
import dev.runner.Json;
import dev.runner.spec.Experiment;
import dev.runner.spec.LrRangeTestSpec;

/**
 * The LR range test (Smith, "Cyclical Learning Rates for Training Neural Networks"): the learning rate rises from
 * {@code start_lr} to {@code end_lr} over {@code iterations} training steps (the experiment's model, data with its
 * augmentation, optimizer with its momentum and weight decay, and seed; the schedule is replaced by the range) while
 * the loss is recorded and smoothed: {@code s_0 = l_0}, {@code s_i = smooth*l_i + (1-smooth)*s_{i-1}}
 * (torch-lr-finder's smoothing). The test stops early when {@code s_i > diverge * min(s_0..s_i)} or the loss is
 * not finite.
 *
 * <p>Suggestions, all computed on the smoothed loss:
 * <ul>
 *   <li>{@code steepest}: the most negative gradient ({@code numpy.gradient}), ignoring the first 10 and last 5
 *       points, as torch-lr-finder does;</li>
 *   <li>{@code min_div_10}: the learning rate of the minimum loss divided by 10;</li>
 *   <li>{@code valley}: fastai's: the longest decreasing run of the loss (from iteration {@code iterations/10} to
 *       5 before the end), two thirds of the way down it.</li>
 * </ul>
 * The default is {@code steepest} ({@link #DEFAULT_SUGGESTION}): it is torch-lr-finder's rule, the one the report's
 * PyTorch notebook followed; on the report's ResNet9 it gave 5.4e-3 and 3.1e-3 in two runs whose curves agree to
 * 3-4 digits (it is sensitive to small wiggles), where the report picked 5e-3 by eye (valley gave 6.5e-4 and
 * 6.2e-4, min_div_10 1.6e-3 and 2.0e-3). All three are in the JSON and the plot.
 */
public final class LrRangeTest {
    public static final String FILE = "lr_range_test.json";
    public static final String DEFAULT_SUGGESTION = "steepest";
    public static final int STEEPEST_SKIP_START = 10;
    public static final int STEEPEST_SKIP_END = 5;

    private static final ObjectMapper JSON = Json.MAPPER;

    private LrRangeTest() {
    }

    /** The rising learning rate of {@code spec}. */
    public static Schedules.Range schedule(LrRangeTestSpec spec) {
        if (!"exp".equals(spec.mode()) && !"linear".equals(spec.mode())) {
            throw new IllegalArgumentException("lr_range_test mode must be exp or linear, got " + spec.mode());
        }
        return new Schedules.Range(spec.startLr(), spec.endLr(), spec.iterations(), "exp".equals(spec.mode()));
    }

    /** The optimizer for the range test: the experiment's, with its learning rate replaced by the range. */
    public static Optimizers.Plan plan(Experiment exp) {
        LrRangeTestSpec spec = exp.lrRangeTest();
        return Optimizers.plan(exp.optimizer().withLr(spec.startLr()), schedule(spec));
    }

    /** The recorded curve: learning rates, raw and smoothed losses, and the divergence stop. */
    public static final class Recorder {
        private final double smooth;
        private final double diverge;
        public final List<Double> lr = new ArrayList<>();
        public final List<Double> loss = new ArrayList<>();
        public final List<Double> smoothed = new ArrayList<>();
        private double best = Double.POSITIVE_INFINITY;
        /** Index of the point where the test diverged (or, for a non-finite loss, the number of points), or -1. */
        public int divergedAt = -1;
        public double divergedLr = Double.NaN;

        public Recorder(double smooth, double diverge) {
            this.smooth = smooth;
            this.diverge = diverge;
        }

        /** Records one step; true when the test should stop (diverged). */
        public boolean add(double lrValue, double lossValue) {
            if (!Double.isFinite(lossValue)) {
                divergedAt = loss.size();
                divergedLr = lrValue;
                return true;
            }
            double s = smoothed.isEmpty() ? lossValue
                    : smooth * lossValue + (1 - smooth) * smoothed.get(smoothed.size() - 1);
            lr.add(lrValue);
            loss.add(lossValue);
            smoothed.add(s);
            best = Math.min(best, s);
            if (s > diverge * best) {
                divergedAt = loss.size() - 1;
                divergedLr = lrValue;
                return true;
            }
            return false;
        }

        public boolean diverged() {
            return divergedAt >= 0;
        }
    }

    /** One suggested learning rate: the rule, the point it picked, and the lr to use. */
    public record Suggestion(String name, int iteration, double lr, double loss) {}

    /** torch-lr-finder's rule: the most negative numpy.gradient of the loss, skipping the first 10 and last 5. */
    public static Suggestion steepest(List<Double> lrs, List<Double> losses) {
        int n = losses.size();
        int from = STEEPEST_SKIP_START;
        int to = n - STEEPEST_SKIP_END;
        if (to - from < 2) {
            from = 0;
            to = n;
        }
        if (to - from < 2) {
            return null;
        }
        int best = -1;
        double bestGrad = Double.POSITIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double g;
            if (i == from) {
                g = losses.get(i + 1) - losses.get(i);
            } else if (i == to - 1) {
                g = losses.get(i) - losses.get(i - 1);
            } else {
                g = (losses.get(i + 1) - losses.get(i - 1)) / 2;
            }
            if (g < bestGrad) {
                bestGrad = g;
                best = i;
            }
        }
        return new Suggestion("steepest", best, lrs.get(best), losses.get(best));
    }

    /** The learning rate of the minimum loss, divided by 10. */
    public static Suggestion minDiv10(List<Double> lrs, List<Double> losses) {
        if (losses.isEmpty()) {
            return null;
        }
        int best = 0;
        for (int i = 1; i < losses.size(); i++) {
            if (losses.get(i) < losses.get(best)) {
                best = i;
            }
        }
        return new Suggestion("min_div_10", best, lrs.get(best) / 10, losses.get(best));
    }

    /**
     * fastai's {@code valley}: on the points from {@code plannedIterations/10} to 5 before the end, the longest
     * (not necessarily contiguous) decreasing subsequence ending at each point; in the longest one, the point
     * {@code int(len/3) + int(len/6)} after its start.
     */
    public static Suggestion valley(List<Double> lrs, List<Double> losses, int plannedIterations) {
        int from = plannedIterations / 10;
        int to = losses.size() - 5;
        if (to - from < 2) {
            from = 0;
            to = losses.size();
        }
        int n = to - from;
        if (n < 1) {
            return null;
        }
        int[] lds = new int[n];
        java.util.Arrays.fill(lds, 1);
        int maxStart = 0;
        int maxEnd = 0;
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (losses.get(from + i) < losses.get(from + j) && lds[i] < lds[j] + 1) {
                    lds[i] = lds[j] + 1;
                }
                if (lds[maxEnd] < lds[i]) {
                    maxEnd = i;
                    maxStart = maxEnd - lds[maxEnd];
                }
            }
        }
        double sections = (maxEnd - maxStart) / 3.0;
        int idx = from + maxStart + (int) sections + (int) (sections / 2);
        return new Suggestion("valley", idx, lrs.get(idx), losses.get(idx));
    }

    /** All three suggestions on a recorded curve, by name (a rule with too few points is left out). */
    public static Map<String, Suggestion> suggestions(Recorder r, int plannedIterations) {
        Map<String, Suggestion> m = new LinkedHashMap<>();
        for (Suggestion s : new Suggestion[] {steepest(r.lr, r.smoothed), minDiv10(r.lr, r.smoothed),
                valley(r.lr, r.smoothed, plannedIterations)}) {
            if (s != null) {
                m.put(s.name(), s);
            }
        }
        return m;
    }

    /** How a range test ended. */
    public record Result(Path folder, String status, String error, Recorder curve, Map<String, Suggestion> suggestions,
                         Suggestion chosen) {
        public int exitCode() {
            return switch (status) {
                case "completed" -> 0;
                case "interrupted" -> 130;
                default -> 1;
            };
        }
    }

    /**
     * Runs the range test of {@code exp} (its {@code lr_range_test} section) on {@code net}, compiled with
     * {@link #plan}'s updater and coupled weight decay, in a new results folder with {@code lr_range_test.json}.
     * The chart is drawn by the results stage from that file (results.charts.LrRangeTestChart).
     */
    public static Result run(Experiment exp, Network net, TrainingData data, Trainer.Options o) {
        LrRangeTestSpec spec = exp.lrRangeTest();
        if (spec == null) {
            throw new IllegalArgumentException("experiment " + exp.name() + " has no lr_range_test section");
        }
        RunRecorder.Run run = Trainer.newRun(exp, o);
        Path folder = run.folder();
        Recorder rec = new Recorder(spec.smooth(), spec.diverge());
        writeJson(run, exp, spec, "running", null, rec, Map.of());
        TrainingLoop loop = new TrainingLoop(net, data, plan(exp), schedule(spec));
        Steps steps = new Steps(spec, rec, o);
        o.stop.begin();
        try (RunRecorder.Log log = run.log(o.terminal)) {
            if (!o.summaryText.isBlank()) {
                log.println(o.summaryText.stripTrailing());
            }
            log.println(String.format(Locale.ROOT, "LR range test %s: %s lr %s -> %s over %d iterations -> %s",
                    exp.name(), spec.mode(), Trainer.shortNumber(spec.startLr()), Trainer.shortNumber(spec.endLr()),
                    spec.iterations(), folder));
            steps.bar = TrainingLoop.interactive(o.interactive)
                    ? TrainingLoop.bar("lr range test", spec.iterations(), 0, o.terminal) : null;
            try {
                loop.run(0, 0, steps);
            } finally {
                if (steps.bar != null) {
                    steps.bar.close();
                }
            }
            String status = steps.status;
            String error = steps.error;
            Map<String, Suggestion> sugg = Map.of();
            Suggestion chosen = null;
            if (status.equals("completed")) {
                sugg = suggestions(rec, spec.iterations());
                chosen = sugg.get(DEFAULT_SUGGESTION);
                if (chosen == null) {
                    status = "failed";
                    error = "too few finite losses (" + rec.loss.size() + ") to suggest a learning rate";
                }
            }
            if (rec.diverged()) {
                log.println(String.format(Locale.ROOT, "Stopped: the loss diverged at iteration %d (lr %.3g)",
                        rec.divergedAt + 1, rec.divergedLr));
            }
            if (chosen != null) {
                StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                        "Suggested learning rate: %.3g (%s)", chosen.lr(), chosen.name()));
                for (Suggestion s : sugg.values()) {
                    if (s != chosen) {
                        sb.append(String.format(Locale.ROOT, "; %s %.3g", s.name(), s.lr()));
                    }
                }
                log.println(sb.toString());
            } else {
                log.println((status.equals("interrupted") ? "Interrupted: " : "FAILED: ") + error);
            }
            writeJson(run, exp, spec, status, error, rec, sugg);
            run.ended();
            return new Result(folder, status, error, rec, sugg, chosen);
        } catch (RuntimeException | Error e) {
            writeJson(run, exp, spec, "failed", Trainer.failure(e), rec, Map.of());
            throw e;
        } finally {
            o.stop.finished();
            run.close();
        }
    }

    /**
     * The range test's hook on the loop: records each step's learning rate and loss, and stops after
     * {@code iterations} steps, at divergence, or when asked to (status interrupted); epochs follow one another
     * until then.
     */
    private static final class Steps implements TrainingLoop.Hook {
        final LrRangeTestSpec spec;
        final Recorder rec;
        final Trainer.Options o;
        me.tongfei.progressbar.ProgressBar bar;
        String status = "completed";
        String error;
        int done;
        int epochSteps;

        Steps(LrRangeTestSpec spec, Recorder rec, Trainer.Options o) {
            this.spec = spec;
            this.rec = rec;
            this.o = o;
        }

        @Override
        public boolean startEpoch(int epoch) {
            epochSteps = 0;
            return done < spec.iterations();
        }

        @Override
        public boolean moreBatches() {
            return done < spec.iterations();
        }

        @Override
        public boolean afterStep(TrainingLoop.Step s) {
            done++;
            epochSteps++;
            boolean stop = rec.add(s.lr(), s.loss());
            if (bar != null) {
                bar.step();
                bar.setExtraMessage(String.format(Locale.ROOT, " lr %.3g  loss %.4f", s.lr(), s.loss()));
            }
            if (stop) {
                return false;
            }
            if (o.stop.requested()) {
                status = "interrupted";
                error = o.stop.reason() + String.format(Locale.ROOT, " at iteration %d", done);
                return false;
            }
            return true;
        }

        @Override
        public boolean afterEpoch(int epoch) {
            if (epochSteps == 0) {
                throw new IllegalStateException("the training data has no batches");
            }
            return true;
        }
    }

    private static void writeJson(RunRecorder.Run run, Experiment exp, LrRangeTestSpec spec, String status, String error,
                                  Recorder rec, Map<String, Suggestion> sugg) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", exp.name());
        n.put("status", status);
        n.put("error", error);
        n.put("mode", spec.mode());
        num(n, "start_lr", spec.startLr());
        num(n, "end_lr", spec.endLr());
        n.put("iterations_planned", spec.iterations());
        num(n, "smooth", spec.smooth());
        num(n, "diverge", spec.diverge());
        n.put("iterations", rec.loss.size());
        list(n.putArray("lr"), rec.lr);
        list(n.putArray("loss"), rec.loss);
        list(n.putArray("smoothed_loss"), rec.smoothed);
        n.put("diverged", rec.diverged());
        if (rec.diverged()) {
            ObjectNode d = n.putObject("diverged_at");
            d.put("iteration", rec.divergedAt);
            num(d, "lr", rec.divergedLr);
        } else {
            n.putNull("diverged_at");
        }
        ObjectNode s = n.putObject("suggestions");
        for (Suggestion x : sugg.values()) {
            ObjectNode o = s.putObject(x.name());
            num(o, "lr", x.lr());
            o.put("iteration", x.iteration());
            num(o, "loss", x.loss());
        }
        n.put("default", DEFAULT_SUGGESTION);
        Suggestion chosen = sugg.get(DEFAULT_SUGGESTION);
        if (chosen == null) {
            n.putNull("suggested_lr");
        } else {
            num(n, "suggested_lr", chosen.lr());
        }
        try {
            run.write(FILE, JSON.writeValueAsString(n) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void num(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) {
            n.put(key, v);
        } else {
            n.putNull(key);
        }
    }

    private static void list(ArrayNode a, List<Double> values) {
        for (double v : values) {
            if (Double.isFinite(v)) {
                a.add(v);
            } else {
                a.addNull();
            }
        }
    }
}
