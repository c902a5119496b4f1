package dev.runner.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runner.spec.CheckpointSpec;
import dev.runner.spec.EarlyStoppingSpec;
import dev.runner.spec.EvaluateSpec;
import dev.runner.spec.Experiment;
import dev.runner.spec.OptimizerSpec;
import dev.runner.spec.ScheduleSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** {@code checkpoint.best} and {@code early_stopping} on a run whose validation accuracy is made to peak at epoch 2. */
class BestEpochTest {
    @TempDir
    Path root;

    /**
     * TinyData whose validation set is its test set with the true labels at the second evaluation only; at every
     * other its labels are rotated (class c called c+1), so the network, which learns the true classes, scores
     * far lower there.
     */
    static final class PeakAtTwo implements TrainingData {
        final TinyData d = new TinyData(90, 30, 16, 7);
        int calls;

        @Override public List<String> classes() { return d.classes(); }
        @Override public int iterationsPerEpoch() { return d.iterationsPerEpoch(); }
        @Override public DataSetIterator train(int epoch) { return d.train(epoch); }
        @Override public DataSetIterator test() { return d.test(); }
        @Override public DataSetIterator trainEval() { return d.trainEval(); }

        @Override
        public DataSetIterator val() {
            calls++;
            if (calls == 2) {
                return d.test();
            }
            List<DataSet> rotated = new ArrayList<>();
            for (DataSet s : d.test) {
                INDArray y = s.getLabels();
                INDArray r = y.dup();
                for (int c = 0; c < TinyNet.CLASSES; c++) {
                    r.putScalar(0, (c + 1) % TinyNet.CLASSES, y.getDouble(0, c));
                }
                rotated.add(new DataSet(s.getFeatures(), r));
            }
            return new ListDataSetIterator<>(rotated, 7);
        }
    }

    static Experiment exp(int epochs, CheckpointSpec checkpoint, EarlyStoppingSpec stop) {
        OptimizerSpec opt = new OptimizerSpec("sgd", 0.05, null, 0.9, 0, false, 0, 0.9, 0.999, 1e-8);
        return new Experiment("peak", "", 42, null, null, opt, new ScheduleSpec.Constant(), epochs, null,
                new EvaluateSpec(false, true), null, checkpoint, stop, null, null, Map.of(), "auto", "fp32");
    }

    @Test
    void keepsTheBestEpochsModelAndStopsOncePatienceRunsOut() throws Exception {
        Experiment e = exp(8, new CheckpointSpec(1, "val_accuracy"), new EarlyStoppingSpec("val_accuracy", 3, 0));
        PeakAtTwo data = new PeakAtTwo();
        Optimizers.Plan plan = Trainer.plan(e, data.iterationsPerEpoch());
        TinyNet net = TinyNet.create(e.seed(), plan.updater(), plan.coupledWeightDecay());
        Map<Integer, INDArray> params = new HashMap<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Trainer.Result r = Trainer.run(e, net, data, new Trainer.Options()
                .recorder(dev.runner.results.FolderRecorder.under(root, "name: peak\n", null))
                .terminal(new PrintStream(out, true, StandardCharsets.UTF_8)).interactive(false)
                .onEpoch((ep, m) -> params.put(ep, net.graph().params().dup())));

        assertThat(r.status()).isEqualTo(Metrics.COMPLETED);
        JsonNode m = new ObjectMapper().readTree(r.folder().resolve("metrics.json").toFile());
        assertThat(m.get("epochs")).hasSize(5);       // peak at 2, then 3 epochs without improvement
        double peak = m.get("epochs").get(1).get("val_accuracy").asDouble();
        for (int i = 0; i < 5; i++) {
            if (i != 1) {
                assertThat(m.get("epochs").get(i).get("val_accuracy").asDouble()).isLessThan(peak);
            }
        }
        assertThat(m.get("best").get("metric").asText()).isEqualTo("val_accuracy");
        assertThat(m.get("best").get("epoch").asInt()).isEqualTo(2);
        assertThat(m.get("best").get("value").asDouble()).isEqualTo(peak);
        assertThat(m.get("stop_reason").asText()).startsWith("early stopping: val_accuracy has not improved")
                .contains("for 3 epochs").contains("at epoch 2");
        assertThat(m.get("epochs_planned").asInt()).isEqualTo(8);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Stopped: early stopping");

        INDArray best = dev.runner.model.ModelZip.read(r.folder().resolve(Trainer.BEST_MODEL), false).params();
        INDArray last = dev.runner.model.ModelZip.read(r.folder().resolve("model.zip"), false).params();
        assertThat(best).isEqualTo(params.get(2));
        assertThat(last).isEqualTo(params.get(5));
        assertThat(best).isNotEqualTo(last);
    }

    @Test
    void lossesAreBetterLowerAndMinDeltaCountsAsNoImprovement() {
        Metrics m = new Metrics("x", 10, 1, List.of("a"));
        double[] loss = {1.0, 0.8, 0.79, 0.795, 0.6};
        CheckpointSpec cp = new CheckpointSpec(1, "val_loss");
        EarlyStoppingSpec stop = new EarlyStoppingSpec("val_loss", 2, 0.05);
        List<Boolean> best = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < loss.length; i++) {
            m.epochs.add(new Metrics.Epoch(i + 1, 1, null, null, null, loss[i], 0.5, 0.1, 1));
            best.add(EpochSelection.newBest(cp, m));
            reasons.add(EpochSelection.stopReason(stop, m));
        }
        assertThat(best).containsExactly(true, true, true, false, true);
        assertThat(m.best.epoch()).isEqualTo(5);
        // 0.79 and 0.795 are within min_delta of 0.8: two epochs without improvement stop at epoch 4
        assertThat(reasons.subList(0, 3)).containsOnlyNulls();
        assertThat(reasons.get(3)).contains("val_loss").contains("for 2 epochs").contains("best 0.8 at epoch 2");
    }
}
