package dev.runner.model.onednn;

/**
 * Notices training steps that stall: {@link #STALLED_STEPS} steps in a row, each taking over {@link #FACTOR} times
 * the fastest step seen (of the same plan). On this engine that is the sign of another process taking a core:
 * oneDNN's kernels synchronise their threads at barriers of their own that spin (a {@code pause} loop, which
 * {@code OMP_WAIT_POLICY} does not reach), so while one thread waits for a core, the other burns a whole scheduler
 * time slice at each barrier; bf16's weight-gradient convolutions and batch norm cross hundreds of them a step.
 */
final class StallWatch {
    static final double FACTOR = 4;
    static final int STALLED_STEPS = 10;

    private long fastest = Long.MAX_VALUE;
    private int inARow;
    private boolean told;

    /**
     * Records a step of {@code nanos}; true once, the first time {@link #STALLED_STEPS} steps in a row have each
     * taken over {@link #FACTOR} times the fastest.
     */
    boolean stalled(long nanos) {
        fastest = Math.min(fastest, nanos);
        inARow = nanos > FACTOR * fastest ? inARow + 1 : 0;
        if (told || inARow < STALLED_STEPS) return false;
        told = true;
        return true;
    }
}
