package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runner.UserError;
import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The check-time memory estimate: its parts from the spec's shapes, and the refusal of what cannot fit. */
class MemoryEstimateTest {
    static Experiment origin(String... sets) {
        return ExperimentLoader.load(Path.of("experiments/origin.yaml"), List.of(sets));
    }

    static MemoryEstimate of(Experiment e) {
        return MemoryEstimate.of(e.model(), e.data().batchSize(), e.data().testBatchSize(), e.optimizer());
    }

    @Test
    void partsFollowTheShapes() {
        MemoryEstimate m = of(origin());
        assertThat(m.params()).isEqualTo(62006);                   // the tutorial CNN, as PyTorch counts it
        assertThat(m.optimizerSlots()).isEqualTo(1);               // sgd with momentum
        assertThat(m.parameterBytes()).isEqualTo(62006L * 4 * 3);  // weights, gradients, momentum in f32
        // input 3x32x32, conv1 6x28x28, relu, pool 6x14x14, conv2 16x10x10, ... : every output counted once
        assertThat(m.activations()).isGreaterThan(3 * 32 * 32 + 6 * 28 * 28);
        assertThat(m.im2col()).isEqualTo(28L * 28 * 3 * 5 * 5);    // conv1's columns are the largest
        assertThat(m.activationBytes("bf16")).isLessThan(m.activationBytes("fp32"));
        assertThat(m.totalBytes("fp32")).isEqualTo(m.parameterBytes() + m.activationBytes("fp32"));
        assertThat(m.totalBytes("bf16")).isEqualTo(m.parameterBytes() + 62006L * 2 + m.activationBytes("bf16"));

        MemoryEstimate adam = of(origin("optimizer={adam: {lr: 0.001}}"));
        assertThat(adam.optimizerSlots()).isEqualTo(2);
        assertThat(of(origin("optimizer={sgd: {lr: 0.001}}")).optimizerSlots()).isZero();
        assertThat(of(origin("data.batch_size=1024")).activationBytes("fp32")).isGreaterThan(m.activationBytes("fp32"));
    }

    @Test
    void whatCannotFitIsRefusedAndWhatFitsIsNot() {
        of(origin()).check("fp32");
        MemoryEstimate huge = of(origin("model.layers=[flatten, {dense: 16777216}, {dense: 10}]", "visualize={}"));
        assertThat(huge.params()).isEqualTo(3072L * 16777216 + 16777216 + 16777216L * 10 + 10);
        assertThat(huge.totalBytes("fp32")).isGreaterThan(MemoryEstimate.nativeLimit());
        assertThatThrownBy(() -> huge.check("fp32")).isInstanceOf(UserError.class)
                .hasMessageStartingWith("the network needs about ").hasMessageNotContaining("\n");
    }

    @Test
    void bytesAreShownInPowersOf1024() {
        assertThat(MemoryEstimate.bytes(512)).isEqualTo("512 B");
        assertThat(MemoryEstimate.bytes(1536)).isEqualTo("1.5 KB");
        assertThat(MemoryEstimate.bytes(200L << 20)).isEqualTo("200 MB");
        assertThat(MemoryEstimate.bytes(Long.MAX_VALUE)).isEqualTo("more than 8 EB");
    }
}
