package dev.runner.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Throughput of a compiled network on ready, random batches (no data loading): training steps (forward,
 * backward, update) and inference. Warm-up steps are run first and not timed. Training changes the network's
 * weights: benchmark a throwaway network.
 */
public final class NetworkBench {
    private static final int DISTINCT_BATCHES = 4;

    private NetworkBench() {}

    /**
     * @param trainImagesPerS images per second through {@link Network#fit}
     * @param evalImagesPerS  images per second through {@link Network#output}
     * @param placement       {@link Network#placement()}: the engine, the device and why
     * @param precision       {@link Network#precision()}
     * @param peakRssBytes    the process's peak resident memory (VmHWM) after the run, or -1 when unknown
     * @param fp32Layers      in bf16, the convolutions and dense layers that run fp32 ({@link Precision#bf16For})
     *                        at the training and at the evaluation batch size; null in fp32
     * @param slowKernels     on the oneDNN engine, the primitives that ran one of oneDNN's slow generic
     *                        implementations ({@link Network#slowKernels}); null on the DL4J engine
     */
    public record Result(int trainBatch, int evalBatch, int steps, int warmup, double trainImagesPerS,
                         double evalImagesPerS, long params, Placement placement, Precision precision,
                         long peakRssBytes, Map<String, List<String>> fp32Layers, List<String> slowKernels) {
        /** The keys of {@code runner bench}'s JSON line, in order. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("train_images_per_s", round(trainImagesPerS));
            m.put("eval_images_per_s", round(evalImagesPerS));
            m.put("params", params);
            m.put("engine", placement.engine());
            m.put("device", placement.device());
            m.put("engine_why", placement.why());
            m.put("precision", precision.value());
            m.put("precision_why", precision.why());
            if (fp32Layers != null) m.put("fp32_layers", fp32Layers);
            if (slowKernels != null) m.put("slow_kernels", slowKernels);
            m.put("train_batch", trainBatch);
            m.put("eval_batch", evalBatch);
            m.put("steps", steps);
            m.put("warmup", warmup);
            m.put("peak_rss_mb", peakRssBytes < 0 ? null : peakRssBytes / (1024 * 1024));
            return m;
        }

        private static double round(double v) {
            return Math.round(v * 10) / 10.0;
        }
    }

    /** The warm-up steps before each figure unless told otherwise: PyTorch's reference script's default. */
    public static final int DEFAULT_WARMUP = 10;

    /**
     * {@code steps} timed training steps at {@code batch} and as many inference passes at 256, after
     * {@link #DEFAULT_WARMUP} untimed ones each.
     */
    public static Result measure(Network net, int batch, int steps) {
        return measure(net, batch, 256, steps, DEFAULT_WARMUP);
    }

    /** For a network from {@link ModelCompiler#computationGraph()}: its own input shape. */
    public static Result measure(Network net, int trainBatch, int evalBatch, int steps, int warmup) {
        if (!(net instanceof GraphNetwork g)) {
            throw new IllegalArgumentException("pass the input shape for a network not compiled here");
        }
        return measure(net, g.inputShape(), trainBatch, evalBatch, steps, warmup);
    }

    /** @param inputChw the input's [channels, height, width] (the features are made in the network's layout) */
    public static Result measure(Network net, int[] inputChw, int trainBatch, int evalBatch, int steps, int warmup) {
        if (trainBatch <= 0 || evalBatch <= 0 || steps <= 0 || warmup < 0) {
            throw new IllegalArgumentException("batch sizes and steps must be positive, warm-up >= 0");
        }
        long[] shape = net.layout().equals("NHWC") ? new long[] {inputChw[1], inputChw[2], inputChw[0]}
                : new long[] {inputChw[0], inputChw[1], inputChw[2]};
        Nd4j.getRandom().setSeed(12345);
        INDArray probe = Nd4j.rand(DataType.FLOAT, withBatch(shape, 1));
        int classes = (int) net.output(probe).size(1);

        DataSet[] train = new DataSet[DISTINCT_BATCHES];
        for (int i = 0; i < train.length; i++) {
            train[i] = new DataSet(Nd4j.rand(DataType.FLOAT, withBatch(shape, trainBatch)).subi(0.5),
                    oneHot(trainBatch, classes, i));
        }
        for (int i = 0; i < warmup; i++) net.fit(train[i % train.length]);
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) net.fit(train[i % train.length]);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        if (Double.isNaN(net.score())) throw new IllegalStateException("training produced NaN");
        train = null;

        INDArray[] eval = new INDArray[DISTINCT_BATCHES];
        for (int i = 0; i < eval.length; i++) {
            eval[i] = Nd4j.rand(DataType.FLOAT, withBatch(shape, evalBatch)).subi(0.5);
        }
        double sink = 0;
        for (int i = 0; i < warmup; i++) sink += net.output(eval[i % eval.length]).getDouble(0, 0);
        t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) sink += net.output(eval[i % eval.length]).getDouble(0, 0);
        double evalSeconds = (System.nanoTime() - t0) / 1e9;
        if (Double.isNaN(sink)) throw new IllegalStateException("inference produced NaN");

        return new Result(trainBatch, evalBatch, steps, warmup, (double) trainBatch * steps / trainSeconds,
                (double) evalBatch * steps / evalSeconds, net.trainableParams(), net.placement(), net.precision(),
                peakRssBytes(), fp32Layers(net, trainBatch, evalBatch), net.slowKernels());
    }

    /** In bf16, the convolutions and dense layers that run fp32 at each batch size; null when none runs bf16. */
    private static Map<String, List<String>> fp32Layers(Network net, int trainBatch, int evalBatch) {
        if (net.layerPrecisions(trainBatch).isEmpty()) return null;
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("train", fp32Layers(net, trainBatch));
        m.put("eval", fp32Layers(net, evalBatch));
        return m;
    }

    private static List<String> fp32Layers(Network net, int batch) {
        Map<String, String> p = net.layerPrecisions(batch);
        List<String> out = new ArrayList<>();
        for (Network.LayerRow r : net.summary()) {
            if ((r.type().equals("conv") || r.type().equals("dense")) && "fp32".equals(p.get(r.name()))) {
                out.add(r.name());
            }
        }
        return out;
    }

    private static long[] withBatch(long[] shape, long batch) {
        long[] s = new long[shape.length + 1];
        s[0] = batch;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    private static INDArray oneHot(int batch, int classes, int salt) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) y.putScalar(i, (i * 7 + salt * 3) % classes, 1.0);
        return y;
    }

    /** VmHWM from /proc/self/status, or -1 when not on Linux. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }
}
