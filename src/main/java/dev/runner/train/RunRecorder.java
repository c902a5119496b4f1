package dev.runner.train;

import dev.runner.spec.Experiment;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Where and how a run is recorded, as the trainer sees it. The trainer owns what it measures ({@link Metrics},
 * {@link Checkpoint}, the model); the recorder owns the folder around it: where it is, the resolved experiment,
 * provenance, the log and the summary. The results stage implements it ({@code results.FolderRecorder}), so that
 * {@code train} never imports {@code results}; a caller chooses the folder (a new time-stamped one, or a sweep
 * trial's) by the recorder it passes in {@link Trainer.Options#recorder}.
 */
public interface RunRecorder {
    /**
     * Starts the record of a new run of {@code exp}: creates its folder, locks it and writes what every run writes
     * first.
     */
    Run start(Experiment exp);

    /** Reopens (and locks) the record of the run in {@code folder}, to continue it. */
    Run reopen(Path folder);

    /** One run's record, held (its folder locked against a second process) until closed. */
    interface Run extends AutoCloseable {
        Path folder();

        /** Records that the run is being resumed ({@code commandLine}: the resume's). */
        void resumed(List<String> commandLine);

        /** Removes what a killed process left half-written (before a resume). */
        void removeTemporaries();

        /** The terminal and the run's log at once. */
        Log log(PrintStream terminal);

        /** The run's summary text (the network table, then the final accuracies); "" when there is none. */
        String summary();

        void summary(String text);

        /** Adds or replaces one top-level entry of the run's provenance (e.g. {@code slow_kernels}). */
        void provenance(String key, Object value);

        /** Writes a small text file of the run atomically (e.g. the range test's curve). */
        void write(String file, String text);

        /** Where the trained model goes. */
        Path modelFile();

        /**
         * The run has ended (completed, failed or interrupted): its end time; {@code bestEffort} for a failed run,
         * whose failure is not lost for want of an end time (a full disk).
         */
        void ended(boolean bestEffort);

        default void ended() {
            ended(false);
        }

        /**
         * The run's first metrics ({@code firstWrite}) and the disk its last metrics will need ({@link #reserve});
         * when either fails, nothing was recorded: the folder is removed ({@link #abandon}) and the one line says so.
         */
        default void begin(Runnable firstWrite, long reserveBytes) {
            try {
                firstWrite.run();
                reserve(reserveBytes);
            } catch (RuntimeException e) {
                abandon();
                throw new dev.runner.UserError(e.getMessage() + "; the run could not start (" + folder()
                        + " removed)", 1, e);
            }
        }

        /**
         * Sets {@code bytes} of disk aside in the run's folder, so that the run's last {@link Metrics} can still be
         * written when the disk fills up during the run (the failure is then recorded, not lost); a
         * {@link dev.runner.UserError} when they are not there.
         */
        void reserve(long bytes);

        /** Gives the space {@link #reserve} set aside back, just before the run's last write. */
        void releaseReserve();

        /**
         * Removes the folder of a run that could not start (a full disk before its first metrics): a folder with
         * nothing in it would be neither listed nor resumable.
         */
        void abandon();

        /** Releases the run's folder. */
        @Override
        void close();
    }

    /** Lines to the terminal and the run's log. */
    interface Log extends AutoCloseable {
        void println(String line);

        /** Into the log only. */
        void logOnly(String line);

        @Override
        void close();
    }
}
