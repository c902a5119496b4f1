package dev.runner.sweep;

import java.nio.file.Path;

/**
 * {@code --workers N}: N trial processes at once on this machine. With N &gt; 1 each gets cores / N native threads
 * (ND4J, oneDNN and OpenMP), so the workers share the cores instead of fighting over them; with one worker the
 * trial chooses its threads as {@code runner run} does.
 */
public final class LocalTrials implements TrialExecutor {
    private final int workers;
    private final int threads;
    private final String dataRoot;
    private final String mainClass;

    /**
     * @param dataRoot  --data-root for the trials, or null for their default
     * @param mainClass the class whose {@code main} is {@code runner} (its {@code run} command runs a trial)
     */
    public LocalTrials(int workers, String dataRoot, String mainClass) {
        this.workers = workers;
        this.mainClass = mainClass;
        this.threads = workers > 1 ? Math.max(1, Runtime.getRuntime().availableProcessors() / workers) : 0;
        this.dataRoot = dataRoot;
    }

    @Override
    public int slots() {
        return workers;
    }

    @Override
    public String describe() {
        return workers == 1 ? "workers 1" : "workers " + workers + " (" + threads + " thread"
                + (threads == 1 ? "" : "s") + " each)";
    }

    @Override
    public int run(Path sweep, String name, boolean resume, int pauseAfter) throws InterruptedException {
        return TrialProcess.run(mainClass, sweep, name, resume, pauseAfter, dataRoot, threads);
    }

    @Override
    public void stop() {
        TrialProcess.stopAll();
    }

    @Override
    public void close() {
    }
}
