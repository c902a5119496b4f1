package dev.runner.sweep;

import dev.runner.AtomicFiles;
import dev.runner.UserError;
import dev.runner.results.RunFolder;
import dev.runner.results.RunReader;
import dev.runner.results.RunTable;
import dev.runner.results.SweepFolder;
import dev.runner.spec.SpecWriter;
import dev.runner.spec.SweepSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run (or resume) of a sweep: decides its jobs, runs them on the executor and keeps {@code sweep.json} up to
 * date as they start and end.
 *
 * <p>A grid or random sweep without pruning runs its trials in order, each to its end. An adaptive one (TPE,
 * pruning) asks its {@link Scheduler} for each job in turn; to make those decisions the same whatever the timing,
 * job {@code n} is decided once the results of jobs {@code 0 .. n - lag} are in, applied in job order, where
 * {@code lag} is the number of trials at once (recorded in sweep.json, so that a resume decides alike); when there
 * is nothing to run, the next result in job order is awaited and applied. {@code --workers 2} and Spark with two
 * task slots therefore give the same jobs, and so does a resumed sweep: its recorded jobs are decided again, their
 * recorded results applied, and only the jobs that had not ended run.
 */
final class SweepRun {
    private final Path folder;
    private final SweepSpec spec;
    private final TrialExecutor executor;
    private final PrintStream out;
    private final Sweep.TrialListener onTrialEnded;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final long started = System.nanoTime();
    private final double spentBefore;
    private SweepFolder.Index index;
    private String budgetSpent;

    SweepRun(Path folder, SweepFolder.Index index, SweepSpec spec, TrialExecutor executor, PrintStream out,
             Sweep.TrialListener onTrialEnded) {
        this.folder = folder;
        this.index = index;
        this.spec = spec;
        this.executor = executor;
        this.out = out;
        this.onTrialEnded = onTrialEnded;
        this.spentBefore = index.search().get("seconds_spent") instanceof Number n ? n.doubleValue() : 0;
    }

    private boolean adaptive() {
        return "tpe".equals(index.search().get("method")) || index.search().get("pruning") != null;
    }

    private int slots() {
        Object mc = index.search().get("max_concurrent");
        return Math.max(1, Math.min(executor.slots(), mc instanceof Number n ? n.intValue() : Integer.MAX_VALUE));
    }

    /** Runs the sweep; the caller ({@link Sweep#run}) holds the sweep folder's lock. */
    int run() {
        for (SweepFolder.Trial t : index.trials()) {
            if (!t.finished() && !SweepFolder.PAUSED.equals(t.status())) {
                index = index.withTrial(prepare(t));
            }
        }
        if (adaptive() && !(index.search().get("lag") instanceof Number)) {
            Map<String, Object> s = new LinkedHashMap<>(index.search());
            s.put("lag", slots());
            index = index.withSearch(s);
        }
        write();
        int total = adaptive() ? ((Number) index.search().get("trials")).intValue() : index.trials().size();
        long done = index.trials().stream().filter(SweepFolder.Trial::finished).count();
        out.printf(Locale.ROOT, "Sweep of %s: %d trial%s (%s%s)%s, %s -> %s%n", index.name(), total,
                total == 1 ? "" : "s", String.join(", ", index.keys()), describeSearch(),
                done > 0 ? ", " + done + " finished already" : "", executor.describe(), folder);
        Thread hook = new Thread(() -> {
            stop();
            awaitQuietly();
        }, "runner-sweep-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Object previous = installCtrlC();
        ExecutorService pool = Executors.newFixedThreadPool(slots());
        try {
            if (adaptive()) {
                driveAdaptive(pool);
            } else {
                driveFixed(pool);
            }
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdown();
            try {
                pool.awaitTermination(StopSignalWait.SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.countDown();
            restoreCtrlC(previous);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running
            }
        }
        return finish();
    }

    /** How long a stop waits for the trials to save their checkpoints. */
    private static final class StopSignalWait {
        static final long SECONDS = dev.runner.train.StopSignal.SHUTDOWN_WAIT_SECONDS;
    }

    private String describeSearch() {
        Map<String, Object> s = index.search();
        StringBuilder b = new StringBuilder();
        if (s.get("method") != null) b.append("; ").append(s.get("method"));
        if (s.get("pruning") instanceof Map<?, ?> p) {
            b.append(", ").append(p.get("kind")).append(" rungs ").append(p.get("rungs")).append(" epochs");
        }
        if (index.seeds() > 1) b.append(", ").append(index.seeds()).append(" seeds each");
        if (s.get("max_trials") != null) b.append(", max_trials ").append(s.get("max_trials"));
        if (s.get("max_minutes") != null) b.append(", max_minutes ").append(s.get("max_minutes"));
        if (s.get("max_concurrent") != null) b.append(", max_concurrent ").append(s.get("max_concurrent"));
        return b.toString();
    }

    // ---------------------------------------------------------------- budgets

    private double secondsSpent() {
        return spentBefore + (System.nanoTime() - started) / 1e9;
    }

    /** Whether the wall-time budget is spent (then nothing more starts); says so once. */
    private boolean timeSpent() {
        Object mm = index.search().get("max_minutes");
        if (mm instanceof Number n && secondsSpent() >= n.doubleValue() * 60) {
            budget("max_minutes " + n + " spent: no more trials or promotions start");
            return true;
        }
        return false;
    }

    private synchronized void budget(String why) {
        if (budgetSpent == null) {
            budgetSpent = why;
            out.println("Budget: " + why);
        }
    }

    // ---------------------------------------------------------------- grid and random

    private void driveFixed(ExecutorService pool) throws InterruptedException {
        Semaphore free = new Semaphore(slots());
        List<CompletableFuture<Double>> running = new ArrayList<>();
        Object mt = index.search().get("max_trials");
        int maxTrials = mt instanceof Number n ? n.intValue() : Integer.MAX_VALUE;
        int begun = (int) index.trials().stream().filter(t -> t.finished() && !SweepFolder.NOT_STARTED.equals(
                t.status()) || RunFolder.isRunFolder(SweepFolder.runFolder(folder, t))).count();
        for (SweepFolder.Trial t : index.trials()) {
            if (t.finished()) {
                continue;
            }
            boolean fresh = SweepFolder.PENDING.equals(t.status()) && !RunFolder.isRunFolder(
                    SweepFolder.runFolder(folder, t));
            if (fresh && begun >= maxTrials) {
                budget("max_trials " + maxTrials + " reached: no more trials start");
                update(t.with(SweepFolder.NOT_STARTED, "the budget was spent (max_trials " + maxTrials + ")", null,
                        null));
                continue;
            }
            free.acquire();
            if (stopping.get() || timeSpent()) {
                free.release();
                if (!stopping.get() && fresh) {
                    update(t.with(SweepFolder.NOT_STARTED, "the budget was spent (" + budgetSpent + ")", null, null));
                }
                continue;
            }
            if (fresh) begun++;
            SweepFolder.Job job = new SweepFolder.Job(t.index(), 0, 0, 0, null);
            running.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return execute(job);
                } finally {
                    free.release();
                }
            }, pool));
        }
        for (CompletableFuture<Double> f : running) {
            await(f);
        }
    }

    // ---------------------------------------------------------------- TPE and pruning

    private final List<CompletableFuture<Double>> results = new ArrayList<>();
    private final List<SweepFolder.Job> decided = new ArrayList<>();
    private int applied;
    private Scheduler scheduler;

    private void driveAdaptive(ExecutorService pool) throws InterruptedException {
        boolean maximize = index.maximize();
        scheduler = new Scheduler(index.search(), maximize, spec,
                i -> i <= index.trials().size() ? index.trials().get(i - 1).name() : null, this::addTrial);
        int lag = ((Number) index.search().get("lag")).intValue();
        List<SweepFolder.Job> recorded = index.jobs();
        Semaphore free = new Semaphore(slots());
        for (int n = 0; ; n++) {
            boolean replaying = n < recorded.size();
            if (!replaying && (stopping.get() || timeSpent())) {
                break;
            }
            applyThrough(n - lag);
            SweepFolder.Job job;
            while (true) {
                boolean mayStart = replaying ? recorded.get(n).rung() == 0 : !stopping.get();
                job = scheduler.next(mayStart);
                if (job != null || applied >= results.size()) {
                    break;
                }
                applyThrough(applied);
            }
            if (job == null) {
                if (!replaying && !scheduler.hasNewTrial() && index.search().get("max_trials") instanceof Number m
                        && scheduler.started() >= m.intValue()) {
                    budget("max_trials " + m + " reached: no more trials start");
                }
                break;
            }
            if (replaying) {
                SweepFolder.Job r = recorded.get(n);
                if (r.trial() != job.trial() || r.rung() != job.rung() || r.epochs() != job.epochs()) {
                    throw new UserError("--resume " + folder + ": " + SweepFolder.INDEX + " records job " + (n + 1)
                            + " as trial " + r.trial() + " to " + r.epochs() + " epochs, but the search decides trial "
                            + job.trial() + " to " + job.epochs() + ": the sweep folder was changed", 1, null);
                }
                if (r.value() != null) {
                    decided.add(job);
                    results.add(CompletableFuture.completedFuture(r.value()));
                    continue;
                }
            } else {
                record(n, job);
            }
            decided.add(job);
            free.acquire();
            if (stopping.get()) {
                free.release();
                results.add(CompletableFuture.completedFuture(null));
                continue;
            }
            final int jobNumber = n;
            final SweepFolder.Job j = job;
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    Double v = execute(j);
                    if (v != null) {
                        record(jobNumber, j.withValue(v));
                    }
                    return v;
                } finally {
                    free.release();
                }
            }, pool));
        }
        applyThrough(results.size() - 1);
    }

    /** Applies the results of jobs {@code applied .. last} to the scheduler, in job order, waiting for each. */
    private void applyThrough(int last) throws InterruptedException {
        while (applied <= last && applied < results.size()) {
            Double v = await(results.get(applied));
            if (v != null) {
                scheduler.report(decided.get(applied), v);
            }
            applied++;
        }
    }

    private static Double await(CompletableFuture<Double> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** A TPE trial: its experiment written, its entry added to sweep.json. */
    private String addTrial(SweepSpec.Trial t) {
        SweepFolder.Trial st = new SweepFolder.Trial(t.index(), t.name(), t.values(), t.sets(), SweepFolder.PENDING,
                null, null, null);
        AtomicFiles.writeString(SweepFolder.experimentFile(folder, st), SpecWriter.toYaml(t.experiment().resolved()));
        update(st);
        return t.name();
    }

    private synchronized void record(int n, SweepFolder.Job job) {
        index = index.withJob(n, job);
        write();
    }

    // ---------------------------------------------------------------- running one job

    /**
     * A trial about to run: its run folder, if any, is resumed (from its checkpoint, or from the start in the same
     * folder when it stopped before its first one); a folder killed before it became a run folder is set aside.
     */
    private SweepFolder.Trial prepare(SweepFolder.Trial t) {
        Path run = SweepFolder.runFolder(folder, t);
        if (Files.exists(run) && !RunFolder.isRunFolder(run)) {
            Path aside = folder.resolve(t.name() + ".abandoned");
            for (int n = 2; Files.exists(aside); n++) {
                aside = folder.resolve(t.name() + ".abandoned-" + n);
            }
            try {
                Files.move(run, aside);
            } catch (IOException e) {
                throw new UserError("cannot set aside " + run + ": " + e.getMessage(), e);
            }
        }
        return t.with(SweepFolder.PENDING, null, null, null);
    }

    /**
     * Runs {@code job} (its trial from the start, or continued from its checkpoint) and returns its value at the
     * job's rung (the sweep's metric; NaN when the trial failed), or null when it was stopped before it got there.
     */
    private Double execute(SweepFolder.Job job) {
        SweepFolder.Trial t = trial(job.trial());
        if (stopping.get()) {
            return null;
        }
        Path run = SweepFolder.runFolder(folder, t);
        boolean resume = RunFolder.isRunFolder(run);
        update(t.with(SweepFolder.RUNNING, null, null, null));
        int total = index.trials().size();
        String to = job.epochs() > 0 ? " to epoch " + job.epochs() : "";
        out.printf(Locale.ROOT, "[%d/%d] %s: %s%s%n", t.index(), total, t.name(), resume ? "resuming" : "started", to);
        int code;
        try {
            code = executor.run(folder, t.name(), resume, job.epochs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = 130;
        } catch (RuntimeException e) {
            TrialProcess.appendOutput(folder, t.name(), "runner: " + e.getMessage());
            code = TrialProcess.NOT_STARTED;
        }
        SweepFolder.Trial ended = outcome(t, code, job.epochs());
        update(ended);
        onTrialEnded.trialEnded(ended, this::stop);
        String metric = ended.metric() == null ? "" : ", " + index.metric() + " " + Sweep.show(index.metric(),
                ended.metric());
        String secs = ended.seconds() == null ? "" : String.format(Locale.ROOT, ", %.1f s", ended.seconds());
        out.printf(Locale.ROOT, "[%d/%d] %s: %s%s%s%s%n", t.index(), total, t.name(), ended.status(), metric, secs,
                ended.error() == null || "completed".equals(ended.status()) || SweepFolder.PAUSED.equals(
                        ended.status()) ? "" : " (" + ended.error() + ")");
        Double rung = job.epochs() > 0 ? rungValues.get(t.index()) : ended.metric();
        return switch (ended.status()) {
            case "completed", SweepFolder.PAUSED -> rung == null ? Double.NaN : rung;
            case "failed" -> Double.NaN;
            default -> null;
        };
    }

    /** Per trial: its value at the rung of its last job (the rung metric, {@link SweepFolder#rungValue}). */
    private final Map<Integer, Double> rungValues = new java.util.concurrent.ConcurrentHashMap<>();

    private synchronized SweepFolder.Trial trial(int i) {
        return index.trials().get(i - 1);
    }

    /**
     * The trial's status from its run folder (and the process's exit code when the folder does not say): a run
     * stopped at its job's rung is {@code paused} with the metric there.
     */
    private SweepFolder.Trial outcome(SweepFolder.Trial t, int code, int pauseAfter) {
        Path run = SweepFolder.runFolder(folder, t);
        if (!RunFolder.isRunFolder(run)) {
            String why = TrialProcess.lastLine(folder, t.name(), code);
            return t.with(code == 130 ? "interrupted" : "failed", why != null ? why : TrialProcess.describe(code),
                    null, null);
        }
        RunReader.Run r = RunReader.read(run);
        String status = r.status();
        String error = r.error();
        Double metric = SweepFolder.metric(r, index.metric());
        if (pauseAfter > 0) {
            Double rv = r.epochs().size() >= pauseAfter ? SweepFolder.rungValue(r, index.metric(), pauseAfter) : null;
            if (rv != null) {
                rungValues.put(t.index(), rv);
            } else {
                rungValues.remove(t.index());
            }
        }
        if ("interrupted".equals(status) && pauseAfter > 0 && r.epochs().size() == pauseAfter) {
            return t.with(SweepFolder.PAUSED, "at epoch " + pauseAfter + " (a pruning rung)",
                    SweepFolder.metricAt(r, index.metric(), pauseAfter), SweepFolder.seconds(r));
        }
        if ("completed".equals(status) && pauseAfter > 0) {
            metric = SweepFolder.metricAt(r, index.metric(), pauseAfter);
        }
        if ("running".equals(status) || "crashed".equals(status)) {
            // the process ended without saying how: killed, or crashed in native code
            status = code == 130 || code == 143 ? "interrupted" : "failed";
            String last = TrialProcess.lastLine(folder, t.name(), code);
            error = TrialProcess.describe(code) + (last == null ? "" : ": " + last);
        }
        return t.with(status, error, metric, SweepFolder.seconds(r));
    }

    private synchronized void update(SweepFolder.Trial t) {
        index = index.withTrial(t);
        write();
    }

    private synchronized void write() {
        Map<String, Object> s = new LinkedHashMap<>(index.search());
        s.put("seconds_spent", Math.round(secondsSpent() * 10) / 10.0);
        index = index.withSearch(s);
        SweepFolder.write(folder, index);
    }

    void stop() {
        if (stopping.compareAndSet(false, true)) {
            executor.stop();
        }
    }

    private void awaitQuietly() {
        try {
            finished.await(StopSignalWait.SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Object installCtrlC() {
        try {
            return sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                if (stopping.get()) {
                    out.println();
                    out.println("Second Ctrl-C: stopping now.");
                    out.flush();
                    Runtime.getRuntime().halt(130);
                }
                out.println();
                out.println("Ctrl-C: stopping the sweep; running trials save a checkpoint (continue with"
                        + " runner sweep --resume " + folder + ")");
                out.flush();
                stop();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return null;
        }
    }

    private void restoreCtrlC(Object previous) {
        if (previous instanceof sun.misc.SignalHandler h) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
            } catch (IllegalArgumentException e) {
                // ignore
            }
        }
    }

    // ---------------------------------------------------------------- the end

    private int finish() {
        boolean complete = !stopping.get();
        for (SweepFolder.Trial t : index.trials()) {
            if (SweepFolder.RUNNING.equals(t.status())) {
                update(t.with("interrupted", "the sweep stopped", t.metric(), t.seconds()));
            } else if (complete && SweepFolder.PAUSED.equals(t.status())) {
                // nothing will promote it: stopped at its rung for good
                update(t.with(SweepFolder.PRUNED, "pruned at epoch " + epochsReached(t.index())
                        + (budgetSpent != null ? " (the budget was spent)" : ""), t.metric(), t.seconds()));
            } else if (complete && SweepFolder.PENDING.equals(t.status()) && budgetSpent != null) {
                update(t.with(SweepFolder.NOT_STARTED, "the budget was spent (" + budgetSpent + ")", null, null));
            }
        }
        write();
        SweepFolder.Trial best = index.best();
        try {
            Sweep.drawPlot(folder, index);
        } catch (RuntimeException e) {
            out.println("runner: could not draw " + SweepFolder.PLOT + ": " + e.getMessage());
        }
        out.println();
        out.print(RunTable.render(RunTable.of(List.of(folder), null), RunTable.Format.TEXT));
        if (!index.jobs().isEmpty()) {
            long pruned = index.trials().stream().filter(t -> SweepFolder.PRUNED.equals(t.status())).count();
            if (index.search().get("pruning") != null) {
                out.printf(Locale.ROOT, "Pruning: %d of %d trials stopped early; %d epochs trained in all%n", pruned,
                        index.trials().size(), trainedEpochs());
            }
        }
        if (best != null) {
            out.println("Best: " + best.name() + " (" + index.metric() + " " + Sweep.show(index.metric(), best.metric())
                    + ")");
        }
        if (budgetSpent != null) {
            out.println("Budget spent: " + budgetSpent);
        }
        out.println("Sweep: " + folder);
        long pending = index.trials().stream().filter(t -> !t.finished()).count();
        long failed = index.trials().stream().filter(t -> "failed".equals(t.status())).count();
        if (pending > 0 || stopping.get()) {
            out.println(pending + " trial" + (pending == 1 ? "" : "s") + " not finished: continue with runner"
                    + " sweep --resume " + folder);
            return 130;
        }
        return failed > 0 ? 1 : 0;
    }

    private int epochsReached(int trial) {
        int most = 0;
        for (SweepFolder.Job j : index.jobs()) {
            if (j.trial() == trial && j.value() != null) most = Math.max(most, j.epochs());
        }
        return most;
    }

    /** The epochs all trials trained: each trial's last epoch reached. */
    private int trainedEpochs() {
        Map<Integer, Integer> most = new LinkedHashMap<>();
        for (SweepFolder.Job j : index.jobs()) {
            if (j.value() != null) most.merge(j.trial(), j.epochs(), Math::max);
        }
        return most.values().stream().mapToInt(Integer::intValue).sum();
    }
}
