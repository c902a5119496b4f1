package dev.runner.model;

import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Every layer's initial weights follow the distribution {@code torch.nn.init} draws them from: the sample mean and
 * standard deviation agree with the formula's within sampling error (5 standard errors), a uniform draw stays in
 * its bounds and reaches near them. The expected values are computed here from PyTorch's formulas.
 */
class InitialisationTest {
    @TempDir
    Path dir;

    private ComputationGraph compile(String yaml, long seed) throws Exception {
        Path f = dir.resolve("net.yaml");
        Files.writeString(f, yaml);
        Experiment e = ExperimentLoader.load(f);
        return ModelCompiler.computationGraph().compile(e.model(), CompileOptions.defaults(seed, new Sgd(0.01))).graph();
    }

    /** Mean and std of the values match (mean, std) within 5 standard errors. */
    private static void follows(INDArray p, double mean, double std) {
        double n = p.length();
        double m = p.meanNumber().doubleValue();
        double s = p.stdNumber().doubleValue();
        assertThat(Math.abs(m - mean)).as("mean of %s values", (long) n).isLessThan(5 * std / Math.sqrt(n));
        assertThat(Math.abs(s - std)).as("std of %s values", (long) n).isLessThan(5 * std / Math.sqrt(2 * n) + 1e-7);
    }

    private static void uniform(INDArray p, double low, double high) {
        follows(p, (low + high) / 2, (high - low) / Math.sqrt(12));
        double span = high - low;
        assertThat(p.minNumber().doubleValue()).isGreaterThanOrEqualTo(low - 1e-6).isLessThan(low + 0.05 * span);
        assertThat(p.maxNumber().doubleValue()).isLessThanOrEqualTo(high + 1e-6).isGreaterThan(high - 0.05 * span);
    }

    @Test
    void resnet9InitialisesAsTorchvisionsResNet() throws Exception {
        Path exp = Path.of("experiments/resnet9.yaml");
        Experiment e = ExperimentLoader.load(exp);
        ComputationGraph g = ModelCompiler.computationGraph().compile(e.model(),
                CompileOptions.defaults(e.seed(), new Sgd(0.01))).graph();
        int convs = 0;
        for (LayerNode n : e.model().nodes()) {
            if (n.layer() instanceof Conv c) { // kaiming_normal_(mode="fan_out", nonlinearity="relu")
                long fanOut = (long) c.filters() * c.kernel()[0] * c.kernel()[1];
                follows(g.getLayer(n.name()).getParam("W"), 0, Math.sqrt(2.0 / fanOut));
                assertThat(g.getLayer(n.name()).getParam("b")).isNull(); // torchvision's convs have no bias
                convs++;
            } else if (n.layer() instanceof BatchNorm) {
                assertThat(g.getLayer(n.name()).getParam("gamma").minNumber().doubleValue()).isEqualTo(1.0);
                assertThat(g.getLayer(n.name()).getParam("gamma").maxNumber().doubleValue()).isEqualTo(1.0);
                assertThat(g.getLayer(n.name()).getParam("beta").amaxNumber().doubleValue()).isEqualTo(0.0);
            } else if (n.layer() instanceof Dense) { // nn.Linear's default: U(+-1/sqrt(fan_in))
                double bound = 1 / Math.sqrt(512);
                uniform(g.getLayer(n.name()).getParam("W"), -bound, bound);
                assertThat(g.getLayer(n.name()).getParam("b").amaxNumber().doubleValue()).isLessThanOrEqualTo(bound)
                        .isGreaterThan(0.5 * bound);
            }
        }
        assertThat(convs).isEqualTo(12); // the stem, 2 per block, 3 projections (the automatic shortcuts too)
    }

    @Test
    void eachKindDrawsFromPytorchsDistribution() throws Exception {
        ComputationGraph g = compile("""
                model:
                  input: [16, 8, 8]
                  init: {xavier_uniform: {gain: 2}}
                  layers:
                    - {conv: {filters: 32, kernel: 3, padding: 1}, name: default}
                    - {conv: {filters: 64, kernel: 3, padding: 1, init: {kaiming_uniform: {nonlinearity: leaky_relu, a: 0.2}}}, name: ku}
                    - {conv: {filters: 48, kernel: 3, padding: 1, init: {kaiming_normal: {nonlinearity: tanh}}}, name: kn}
                    - {conv: {filters: 40, kernel: 3, padding: 1, init: {xavier_normal: {gain: 0.5}}}, name: xn}
                    - {conv: {filters: 32, kernel: 3, padding: 1, init: pytorch}, name: pt}
                    - {batchnorm: {init: {weight: 0.5, bias: 0.25}}, name: bn}
                    - global_avgpool
                    - {dense: {units: 300, init: {normal: {mean: 1, std: 0.5}}}, name: nd}
                    - {dense: {units: 200, init: {uniform: {low: -2, high: 3}}}, name: ud}
                    - {dense: {units: 20, init: zeros}, name: zd}
                    - {dense: {units: 10, init: ones}, name: od}
                optimizer: {sgd: {lr: 0.1}}
                data: {dataset: {imagefolder: {path: .}}}
                """, 7);
        // fan_in = in * 9, fan_out = filters * 9
        uniform(g.getLayer("default").getParam("W"), -2 * Math.sqrt(6.0 / (16 * 9 + 32 * 9)), 2 * Math.sqrt(6.0 / (16 * 9 + 32 * 9)));
        double ku = Math.sqrt(2 / (1 + 0.04)) * Math.sqrt(3.0 / (32 * 9));
        uniform(g.getLayer("ku").getParam("W"), -ku, ku);
        follows(g.getLayer("kn").getParam("W"), 0, 5.0 / 3 / Math.sqrt(64 * 9));
        follows(g.getLayer("xn").getParam("W"), 0, 0.5 * Math.sqrt(2.0 / (48 * 9 + 40 * 9)));
        double pt = 1 / Math.sqrt(40 * 9);
        uniform(g.getLayer("pt").getParam("W"), -pt, pt);
        for (String conv : new String[] {"default", "ku", "kn", "xn", "pt"}) { // biases: PyTorch's default
            INDArray w = g.getLayer(conv).getParam("W");
            double bound = 1 / Math.sqrt(w.size(1) * 9);
            assertThat(g.getLayer(conv).getParam("b").amaxNumber().doubleValue()).isLessThanOrEqualTo(bound)
                    .isGreaterThan(0.5 * bound);
        }
        assertThat(g.getLayer("bn").getParam("gamma").meanNumber().doubleValue()).isEqualTo(0.5);
        assertThat(g.getLayer("bn").getParam("beta").meanNumber().doubleValue()).isEqualTo(0.25);
        follows(g.getLayer("nd").getParam("W"), 1, 0.5);
        uniform(g.getLayer("ud").getParam("W"), -2, 3);
        assertThat(g.getLayer("zd").getParam("W").amaxNumber().doubleValue()).isEqualTo(0.0);
        assertThat(g.getLayer("od").getParam("W").minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(g.getLayer("od").getParam("W").maxNumber().doubleValue()).isEqualTo(1.0);

        ComputationGraph same = compile(Files.readString(dir.resolve("net.yaml")), 7);
        assertThat(same.params()).isEqualTo(g.params());
        ComputationGraph other = compile(Files.readString(dir.resolve("net.yaml")), 8);
        assertThat(other.params()).isNotEqualTo(g.params());
    }
}
