import dev.runner.data.Batches;
import dev.runner.data.Datasets;
import dev.runner.data.LoadedData;
import dev.runner.model.CompileOptions;
import dev.runner.model.Network;
import dev.runner.model.Networks;
import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import dev.runner.train.Evaluation;
import dev.runner.train.Optimizers;
import dev.runner.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The test accuracy of a saved model (a run's model.zip or checkpoint/model.zip) as the run reports it, and again
 * with batch norm's running statistics recomputed for its final weights: the mean of N augmented training batches'
 * statistics, each taken by one training step in the experiment's precision whose weight changes are then undone.
 * It separates how good the weights are from how far the running statistics (an average over the last ~10 steps,
 * momentum 0.1) lag behind them, which early in training, at the peak learning rate, moves the test accuracy by
 * points. bench/torch_resnet9_train.py --recalibrate N does the same in PyTorch.
 *
 *     java -cp target/runner.jar bench/RecalibratedAccuracy.java EXPERIMENT.yaml MODEL.zip DATA_ROOT [N]
 *         [--train K [--epoch E]] [--set k=v]...
 *
 * --train K first trains the model K more steps (with its saved optimizer state, on the batches of 0-based epoch E,
 * default 1: those that follow a checkpoint of epoch 1) in the experiment's precision, and also prints how far the
 * weights moved (|dw| / |w|) and the steps' mean loss: the same model continued in fp32 and in bf16.
 * Prints one JSON line. The model must be the experiment's network (the --set keys that change it must match).
 */
public final class RecalibratedAccuracy {
    public static void main(String[] args) {
        List<String> pos = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        int train = 0;
        int epoch = 1;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--set") && i + 1 < args.length) sets.add(args[++i]);
            else if (args[i].equals("--train") && i + 1 < args.length) train = Integer.parseInt(args[++i]);
            else if (args[i].equals("--epoch") && i + 1 < args.length) epoch = Integer.parseInt(args[++i]);
            else pos.add(args[i]);
        }
        if (pos.size() < 3) {
            System.err.println("usage: java -cp target/runner.jar bench/RecalibratedAccuracy.java EXPERIMENT.yaml MODEL.zip DATA_ROOT [N] [--set k=v]...");
            System.exit(2);
        }
        int batches = pos.size() > 3 ? Integer.parseInt(pos.get(3)) : 100;
        Experiment exp = ExperimentLoader.load(Path.of(pos.get(0)), sets);
        LoadedData data = Datasets.load(exp.data(), Path.of(pos.get(2)), s -> { });
        int batch = exp.data().batchSize();
        int ipe = (data.train().size() + batch - 1) / batch;
        Optimizers.Plan plan = Trainer.plan(exp, ipe);
        Network net = Networks.load(exp.model(), new CompileOptions(exp.seed(), plan.updater(),
                plan.coupledWeightDecay(), CompileOptions.DEFAULT_LAYOUT, exp.engine(), exp.precision()),
                Path.of(pos.get(1)), train > 0);
        String layout = net.layout();
        String trained = "";
        if (train > 0) {
            INDArray w0 = net.graph().params().dup();
            DataSetIterator it = Batches.train(data.train(), exp.data(), exp.seed(), epoch, layout);
            double loss = 0;
            int k = 0;
            for (; k < train && it.hasNext(); k++) {
                net.fit(it.next());
                loss += net.score();
            }
            double moved = net.graph().params().sub(w0).norm2Number().doubleValue() / w0.norm2Number().doubleValue();
            trained = String.format(Locale.ROOT, " \"trained_steps\": %d, \"weights_moved\": %.6f, \"train_loss\": %.4f,",
                    k, moved, loss / k);
        }
        double raw = accuracy(net, Batches.eval(data.test(), exp.data(), exp.data().testBatchSize(), layout));
        recalibrate(net, Batches.train(data.train(), exp.data(), exp.seed() + 1000, 0, layout), batches);
        double recal = accuracy(net, Batches.eval(data.test(), exp.data(), exp.data().testBatchSize(), layout));
        System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"precision\": \"%s\", \"seed\": %d,%s \"test_accuracy\": %.2f,"
                        + " \"test_accuracy_recalibrated\": %.2f, \"batches\": %d}%n", pos.get(1),
                net.precision().value(), exp.seed(), trained, raw, recal, batches);
        System.exit(0);
    }

    static double accuracy(Network net, DataSetIterator it) {
        return 100 * Evaluation.of(net, it, 10, () -> false).accuracy();
    }

    /**
     * Steps on {@code n} training batches, each undone but for batch norm's running statistics, from which the
     * batch's own statistics are recovered (DL4J's update: p' = decay p + (1 - decay) batch, for the variance or
     * for 10^(2 log10stdev)); the running statistics become their mean.
     */
    static void recalibrate(Network net, DataSetIterator train, int n) {
        ComputationGraph g = net.graph();
        INDArray weights = g.params().dup();
        Map<String, double[][]> sums = new LinkedHashMap<>();   // layer -> {mean sum, variance sum}
        Map<String, INDArray> before = new LinkedHashMap<>();   // the running statistics the steps start from
        int done = 0;
        List<String> norms = new ArrayList<>();
        for (String name : g.getConfiguration().getTopologicalOrderStr()) {
            if (g.getVertex(name).hasLayer() && g.getLayer(name).conf().getLayer() instanceof BatchNormalization) {
                norms.add(name);
            }
        }
        for (String name : norms) {
            boolean logStd = ((BatchNormalization) g.getLayer(name).conf().getLayer()).isUseLogStd();
            before.put(name + "/mean", g.getLayer(name).getParam("mean").dup());
            before.put(name + "/var", g.getLayer(name).getParam(logStd ? "log10stdev" : "var").dup());
        }
        for (; done < n && train.hasNext(); done++) {
            net.fit(train.next());
            for (String name : norms) {
                BatchNormalization b = (BatchNormalization) g.getLayer(name).conf().getLayer();
                double decay = b.getDecay();
                boolean logStd = b.isUseLogStd();
                INDArray mean = g.getLayer(name).getParam("mean");
                INDArray var = g.getLayer(name).getParam(logStd ? "log10stdev" : "var");
                INDArray mean0 = before.get(name + "/mean");
                INDArray var0 = before.get(name + "/var");
                int c = (int) mean.length();
                double[][] s = sums.computeIfAbsent(name, k -> new double[2][c]);
                for (int i = 0; i < c; i++) {
                    double v0 = var0.getDouble(i);
                    double v1 = var.getDouble(i);
                    if (logStd) {
                        v0 = Math.pow(10, 2 * v0);
                        v1 = Math.pow(10, 2 * v1);
                    }
                    s[0][i] += (mean.getDouble(i) - decay * mean0.getDouble(i)) / (1 - decay);
                    s[1][i] += (v1 - decay * v0) / (1 - decay);
                }
            }
            g.params().assign(weights);   // undo the step (the network's step re-reads the parameters every step)
        }
        for (Map.Entry<String, double[][]> e : sums.entrySet()) {
            BatchNormalization b = (BatchNormalization) g.getLayer(e.getKey()).conf().getLayer();
            INDArray mean = g.getLayer(e.getKey()).getParam("mean");
            INDArray var = g.getLayer(e.getKey()).getParam(b.isUseLogStd() ? "log10stdev" : "var");
            for (int i = 0; i < mean.length(); i++) {
                double v = e.getValue()[1][i] / done;
                mean.putScalar(i, e.getValue()[0][i] / done);
                var.putScalar(i, b.isUseLogStd() ? Math.log10(Math.sqrt(v)) : v);
            }
        }
    }
}
