package dev.runner.model.onednn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Notices other processes taking CPU time while the step trains on several threads: from {@code /proc/stat} (all
 * processes' CPU time) and {@code /proc/self/stat} (this one's), over windows of at least {@link #WINDOW_NANOS} of
 * training. Why it matters: oneDNN's bf16 weight-gradient kernels synchronise their threads at barriers of their own
 * that spin (a {@code pause} loop, which {@code OMP_WAIT_POLICY} does not reach; batch norm, which does the same,
 * runs on one thread: {@link OmpThreads}), so while one thread waits for a core another process holds, the other
 * burns its time slice at each barrier, and a bf16 step takes about twice as long as on one thread (docs/speed.md).
 */
final class BusyWatch {
    static final long WINDOW_NANOS = 2_000_000_000L;
    /** Other processes' CPU use, in cores, from which the machine counts as busy. */
    static final double BUSY_CORES = 0.5;
    /** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
    static final double TICKS_PER_S = 100;

    private long start = -1;
    private long allTicks;
    private long ownTicks;
    private boolean told;

    /**
     * Called after each training step at {@code nanos}; reads the CPU times ({@code all}: every process's ticks
     * not idle, {@code own}: this one's; -1 when unknown) only when a window starts or ends. True once, at the end
     * of the first window in which the other processes used {@link #BUSY_CORES} or more.
     */
    boolean busy(long nanos, LongSupplier all, LongSupplier own) {
        if (told) return false;
        if (start >= 0 && nanos >= start && nanos - start < WINDOW_NANOS) return false;
        long a = all.getAsLong();
        long o = own.getAsLong();
        if (a < 0 || o < 0) {
            told = true;   // no /proc: nothing to watch
            return false;
        }
        boolean busy = start >= 0 && nanos > start
                && ((a - allTicks) - (o - ownTicks)) / TICKS_PER_S / ((nanos - start) / 1e9) >= BUSY_CORES;
        start = nanos;
        allTicks = a;
        ownTicks = o;
        told = busy;
        return busy;
    }

    /** Every process's CPU time, in ticks (user, nice, system, irq, softirq, steal), or -1 without /proc. */
    static long allTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** This process's CPU time, in ticks (utime + stime), or -1 without /proc. */
    static long ownTicks() {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split("\\s+");
            // fields from the state (3rd): utime and stime are the 14th and 15th
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
