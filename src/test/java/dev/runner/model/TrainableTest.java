package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.spec.LayerNode;
import dev.runner.spec.ModelSpec;
import dev.runner.train.TorchSgd;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code trainable:} on both engines: a frozen parameter keeps its exact value through steps with momentum and
 * weight decay; one trainable for the first epoch changes in epoch 0 and never after; the others keep training.
 */
class TrainableTest {
    static ModelSpec spec() {
        ModelSpec m = TestSpecs.create()
                .add("conv", TestSpecs.conv(3, 1, 1, 0, true))
                .add("bn", TestSpecs.bn())
                .add("flatten", TestSpecs.flatten())
                .add("fc", TestSpecs.dense(3))
                .build(2, 2, 2);
        List<LayerNode> nodes = new ArrayList<>();
        for (LayerNode n : m.nodes()) {
            Map<String, Integer> t = switch (n.name()) {
                case "conv" -> Map.of("weight", 0);             // frozen; its bias trains
                case "bn" -> Map.of("weight", 0, "bias", 1);     // scale frozen, shift for the first epoch only
                case "fc" -> Map.of("bias", 1);                  // bias for the first epoch only
                default -> Map.of();
            };
            nodes.add(new LayerNode(n.name(), n.layer(), n.inputs(), n.pos(), n.path(), t));
        }
        return new ModelSpec(m.input(), nodes, m.loss(), m.output());
    }

    static Map<String, INDArray> params(Network net) {
        Map<String, INDArray> p = new java.util.LinkedHashMap<>();
        for (String l : List.of("conv", "bn", "fc")) {
            net.graph().getLayer(l).paramTable().forEach((k, v) -> p.put(l + "_" + k, v.dup()));
        }
        return p;
    }

    static void steps(Network net, int n, int seed) {
        Nd4j.getRandom().setSeed(seed);
        for (int i = 0; i < n; i++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 8, 2, 2, 2).subi(0.5);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
            for (int r = 0; r < 8; r++) y.putScalar(r, (r + i) % 3, 1);
            net.fit(new DataSet(x, y));
        }
    }

    @Test
    void frozenAndTimeFrozenParametersKeepTheirValuesOnBothEngines() {
        for (String engine : LossTest.engines()) {
            Network net = ModelCompiler.computationGraph().compile(spec(),
                    new CompileOptions(5, new TorchSgd(0.1, null, 0.9, 0, true), 0.01, "NCHW", engine));
            Map<String, INDArray> start = params(net);
            steps(net, 4, 1);                        // epoch 0
            Map<String, INDArray> afterFirst = params(net);
            net.graph().incrementEpochCount();
            steps(net, 4, 2);                        // epoch 1
            Map<String, INDArray> afterSecond = params(net);
            for (String frozen : List.of("conv_W", "bn_gamma")) {
                assertThat(afterSecond.get(frozen)).as(engine + " " + frozen).isEqualTo(start.get(frozen));
            }
            for (String firstEpoch : List.of("bn_beta", "fc_b")) {
                assertThat(afterFirst.get(firstEpoch)).as(engine + " " + firstEpoch + " trains in epoch 0")
                        .isNotEqualTo(start.get(firstEpoch));
                assertThat(afterSecond.get(firstEpoch)).as(engine + " " + firstEpoch + " frozen from epoch 1")
                        .isEqualTo(afterFirst.get(firstEpoch));
            }
            for (String trained : List.of("fc_W")) {   // (conv_b: the batch norm after it cancels its gradient)
                assertThat(afterFirst.get(trained)).as(engine + " " + trained).isNotEqualTo(start.get(trained));
                assertThat(afterSecond.get(trained)).as(engine + " " + trained).isNotEqualTo(afterFirst.get(trained));
            }
            // the table counts the never-trained parameters: conv's 3 x 2 weights and bn's 3 scales
            assertThat(net.summary()).extracting(Network.LayerRow::frozen).containsExactly(6L, 3L, 0L, 0L);
            assertThat(NetworkTable.table(net.summary())).contains("of which frozen (trainable: false)");
        }
    }

    @Test
    void aParameterGroupScalesItsLearningRateAndWeightDecay() {
        double lr = 0.1, wd = 0.05;
        for (String engine : LossTest.engines()) {
            ModelSpec plain = TestSpecs.create().add("flatten", TestSpecs.flatten()).add("fc", TestSpecs.dense(3)).build(2, 2, 2);
            List<LayerNode> nodes = new ArrayList<>();
            for (LayerNode n : plain.nodes()) {
                nodes.add(n.name().equals("fc") ? new LayerNode(n.name(), n.layer(), n.inputs(), n.pos(), n.path(),
                        Map.of(), Map.of("bias", 64.0), Map.of("bias", 1 / 64.0)) : n);
            }
            ModelSpec grouped = new ModelSpec(plain.input(), nodes, plain.loss(), plain.output());
            CompileOptions o = new CompileOptions(5, new TorchSgd(lr, null, 0, 0, false), wd, "NCHW", engine);
            Network a = ModelCompiler.computationGraph().compile(plain, o);
            Network b = ModelCompiler.computationGraph().compile(grouped, o);
            assertThat(b.graph().getLayer("fc").getParam("b")).isEqualTo(a.graph().getLayer("fc").getParam("b"));
            INDArray w0 = a.graph().getLayer("fc").getParam("W").dup(), b0 = a.graph().getLayer("fc").getParam("b").dup();
            steps(a, 1, 3);
            steps(b, 1, 3);
            INDArray dbA = a.graph().getLayer("fc").getParam("b").sub(b0).castTo(DataType.DOUBLE);
            INDArray dbB = b.graph().getLayer("fc").getParam("b").sub(b0).castTo(DataType.DOUBLE);
            // a: db = -lr (g + wd b0); b: db = -64 lr g - lr wd b0 (64x the rate, 1/64 the decay: the same decay)
            INDArray g = dbA.div(-lr).sub(b0.castTo(DataType.DOUBLE).mul(wd));
            INDArray expected = g.mul(-64 * lr).sub(b0.castTo(DataType.DOUBLE).mul(lr * wd));
            assertThat(dbB.equalsWithEps(expected, 1e-5)).as(engine + ": " + dbB + " vs " + expected).isTrue();
            assertThat(b.graph().getLayer("fc").getParam("W").equalsWithEps(a.graph().getLayer("fc").getParam("W"), 1e-7))
                    .as(engine + " the weights' group is untouched").isTrue();
            assertThat(w0).isNotNull();
        }
    }
}
