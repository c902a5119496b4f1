import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.runner.data.Datasets;
import dev.runner.data.ImageSet;
import dev.runner.data.LoadedData;
import dev.runner.export.OnnxExport;
import dev.runner.model.Network;
import dev.runner.serving.Predictor;
import dev.runner.serving.SavedRun;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How closely ONNX Runtime reproduces a run's network on its first N test images: the run's model exported by
 * {@code runner export}, fed the same preprocessed batches as {@code runner predict}; prints the maximum absolute
 * logit and probability differences and how many predicted classes agree. ONNX Runtime is the project's test-scope
 * dependency, so run it with the test classpath:
 * <pre>
 *     mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt
 *     java -cp target/classes:$(cat cp.txt) bench/OnnxAgreement.java RUN_FOLDER MODEL.onnx DATA_ROOT [N]
 * </pre>
 */
public class OnnxAgreement {
    public static void main(String[] args) throws Exception {
        SavedRun run = SavedRun.open(Path.of(args[0]), SavedRun.LAST);
        Path onnx = Path.of(args[1]);
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        LoadedData data = Datasets.load(run.experiment().data(), Path.of(args[2]), s -> { });
        ImageSet test = data.test();
        n = Math.min(n, test.size());
        byte[] px = java.util.Arrays.copyOf(test.pixels(), n * test.imageBytes());
        ImageSet set = new ImageSet(px, java.util.Arrays.copyOf(test.labels(), n), test.channels(), test.height(),
                test.width(), test.classes());
        Network net = run.network();
        String last = run.experiment().model().output();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double maxLogit = 0;
        double maxProb = 0;
        double maxAbsLogit = 0;
        int agree = 0;
        int done = 0;
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             var it = Predictor.batches(net, set, run.experiment().data(), 250)) {
            while (it.hasNext()) {
                INDArray nhwc = it.next().getFeatures().dup();
                float[][] probs = net.output(nhwc).toFloatMatrix();
                float[][] logits = net.activations(List.of(last), nhwc).get(last).toFloatMatrix();
                INDArray nchw = nhwc.permute(0, 3, 1, 2).dup('c');
                try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw.data().asFloat()), nchw.shape());
                     OrtSession.Result out = session.run(Map.of(OnnxExport.INPUT, in))) {
                    float[][] ol = (float[][]) out.get(OnnxExport.LOGITS).get().getValue();
                    float[][] op = (float[][]) out.get(OnnxExport.PROBABILITIES).get().getValue();
                    for (int i = 0; i < ol.length; i++) {
                        for (int c = 0; c < ol[i].length; c++) {
                            maxLogit = Math.max(maxLogit, Math.abs(ol[i][c] - logits[i][c]));
                            maxProb = Math.max(maxProb, Math.abs(op[i][c] - probs[i][c]));
                            maxAbsLogit = Math.max(maxAbsLogit, Math.abs(logits[i][c]));
                        }
                        if (Predictor.argmax(op[i]) == Predictor.argmax(probs[i])) {
                            agree++;
                        }
                        done++;
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "{\"images\": %d, \"engine\": \"%s\", \"max_abs_logit_diff\": %.3g,"
                        + " \"max_abs_probability_diff\": %.3g, \"max_abs_logit\": %.3g, \"argmax_agree\": %d}%n", done,
                net.placement().engine(), maxLogit, maxProb, maxAbsLogit, agree);
    }
}
