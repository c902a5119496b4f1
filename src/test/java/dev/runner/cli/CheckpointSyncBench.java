package dev.runner.cli;

import dev.runner.model.Network;
import dev.runner.AtomicFiles;
import dev.runner.train.Metrics;
import dev.runner.spec.Experiment;
import dev.runner.train.Checkpoint;
import dev.runner.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What fsync costs per epoch (docs/results.md): one epoch's writes (a checkpoint with the metrics so far, and
 * metrics.json) of a report network, timed with and without the flushes, alternately, median of N. Run with
 * {@code /work/bin/cpu-alone java -cp target/test-classes:target/classes:CLASSPATH dev.runner.cli.CheckpointSyncBench
 * DIR [N] experiments/origin.yaml experiments/resnet9.yaml}; DIR must be on the disk results go to (not tmpfs).
 */
public final class CheckpointSyncBench {
    private CheckpointSyncBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        int n = Integer.parseInt(args[1]);
        for (String file : Arrays.copyOfRange(args, 2, args.length)) {
            Experiment exp = Pipeline.load(Path.of(file), List.of());
            int ipe = (50_000 + exp.data().batchSize() - 1) / exp.data().batchSize();
            Network net = Pipeline.compile(exp, Trainer.plan(exp, ipe));
            Metrics m = new Metrics(exp.name(), exp.epochCount(), ipe, List.of("a", "b"));
            for (int i = 0; i < ipe; i++) {
                m.iterationLoss.add(2.302585 - i * 1e-5);
                m.iterationLr.add(0.001);
            }
            Path run = Files.createDirectories(dir.resolve(exp.name()));
            long[][] ns = new long[2][n];
            AtomicFiles.WriteHook noFlush = new AtomicFiles.WriteHook() {
                @Override
                public void beforeWrite(Path target) {
                }

                @Override
                public boolean flushes() {
                    return false;
                }
            };
            for (int i = 0; i < n; i++) {
                for (int sync = 0; sync < 2; sync++) {
                    AtomicFiles.WriteHook hook = sync == 1 ? AtomicFiles.WriteHook.NONE : noFlush;
                    long t0 = System.nanoTime();
                    m.write(run, hook);
                    Checkpoint.save(run, net.graph(), new Checkpoint.State(1, 0, 0, exp.seed(), 0), m, hook);
                    ns[sync][i] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(ns[0]);
            Arrays.sort(ns[1]);
            long size = Files.size(Checkpoint.modelFile(run));
            System.out.printf(Locale.ROOT, "%s: model.zip %.1f MB, metrics %d iterations: epoch writes %.1f ms"
                    + " without fsync, %.1f ms with (median of %d)%n", exp.name(), size / 1e6, ipe,
                    ns[0][n / 2] / 1e6, ns[1][n / 2] / 1e6, n);
        }
    }
}
