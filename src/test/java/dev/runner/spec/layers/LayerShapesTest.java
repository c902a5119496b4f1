package dev.runner.spec.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Output shapes and parameter counts against numbers printed by PyTorch for the same modules. */
class LayerShapesTest {
    static long params(LayerSpec l, int[] in) {
        return l.params(in);
    }

    static int[] out(LayerSpec l, int... in) {
        return l.output(List.of(in), List.of("x"));
    }

    static Conv conv(int f, int k, int s, int p, int d, boolean bias) {
        return new Conv(f, new int[] {k, k}, new int[] {s, s}, p < 0 ? null : new int[] {p, p},
                new int[] {d, d}, bias, null);
    }

    @Test
    void convolutionArithmetic() {
        // nn.Conv2d(3, 6, 5)(torch.zeros(1, 3, 32, 32)).shape == (1, 6, 28, 28); 456 parameters
        assertThat(out(conv(6, 5, 1, 0, 1, true), 3, 32, 32)).containsExactly(6, 28, 28);
        assertThat(params(conv(6, 5, 1, 0, 1, true), new int[] {3, 32, 32})).isEqualTo(456);
        // nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2): floor((32 + 2 - 4 - 1) / 2) + 1 = 15
        assertThat(out(conv(8, 3, 2, 1, 2, true), 3, 32, 32)).containsExactly(8, 15, 15);
        // nn.Conv2d(64, 128, 1, stride=2, bias=False) on 32x32 -> 16x16, 8192 parameters
        assertThat(out(conv(128, 1, 2, 0, 1, false), 64, 32, 32)).containsExactly(128, 16, 16);
        assertThat(params(conv(128, 1, 2, 0, 1, false), new int[] {64, 32, 32})).isEqualTo(8192);
        // odd sizes with stride 2: (7 + 2 - 3) // 2 + 1 = 4
        assertThat(out(conv(4, 3, 2, 1, 1, true), 1, 7, 7)).containsExactly(4, 4, 4);
        // asymmetric kernel [1, 7] with padding [0, 3] keeps 17x17
        Conv asym = new Conv(4, new int[] {1, 7}, new int[] {1, 1}, new int[] {0, 3},
                new int[] {1, 1}, true, null);
        assertThat(out(asym, 2, 17, 17)).containsExactly(4, 17, 17);
        assertThat(params(asym, new int[] {2, 17, 17})).isEqualTo(4 * 2 * 7 + 4);
    }

    @Test
    void samePaddingIsCeilOfInputOverStride() {
        assertThat(out(conv(4, 3, 1, -1, 1, true), 3, 32, 32)).containsExactly(4, 32, 32);
        assertThat(out(conv(4, 3, 2, -1, 1, true), 3, 7, 7)).containsExactly(4, 4, 4);
        assertThat(out(new Pool("max", new int[] {3, 3}, new int[] {2, 2}, null), 3, 5, 5))
                .containsExactly(3, 3, 3);
    }

    @Test
    void pooling() {
        // nn.MaxPool2d(3, 2, 1) on 32x32 -> 16x16 (ResNet stem); nn.MaxPool2d(2) on 5x5 -> 2x2
        assertThat(out(new Pool("max", new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}), 64, 32, 32))
                .containsExactly(64, 16, 16);
        assertThat(out(new Pool("avg", new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}), 16, 5, 5))
                .containsExactly(16, 2, 2);
        assertThat(out(new GlobalPool("avg"), 512, 4, 4)).containsExactly(512);
        assertThat(out(new Flatten(), 16, 5, 5)).containsExactly(400);
    }

    @Test
    void denseBatchNormAndParameterFreeLayers() {
        assertThat(out(new Dense(120, true, null), 400)).containsExactly(120);
        assertThat(params(new Dense(120, true, null), new int[] {400})).isEqualTo(48_120);
        assertThat(params(new Dense(10, false, null), new int[] {84})).isEqualTo(840);
        // nn.BatchNorm2d(64): weight + bias = 128 trainable (running mean/var are buffers)
        assertThat(params(new BatchNorm(1e-5, 0.1), new int[] {64, 8, 8})).isEqualTo(128);
        assertThat(params(new BatchNorm(1e-5, 0.1), new int[] {84})).isEqualTo(168);
        for (LayerSpec l : List.of(new Activation("relu", 0), new Dropout(0.5),
                new Flatten(), new GlobalPool("max"))) {
            assertThat(params(l, new int[] {8, 4, 4})).isZero();
        }
        assertThat(out(new Activation("gelu", 0), 8, 4, 4)).containsExactly(8, 4, 4);
    }

    @Test
    void merges() {
        assertThat(new Add().output(List.of(new int[] {8, 4, 4}, new int[] {8, 4, 4}), List.of("a", "b")))
                .containsExactly(8, 4, 4);
        assertThat(new Concat().output(List.of(new int[] {8, 4, 4}, new int[] {3, 4, 4},
                new int[] {1, 4, 4}), List.of("a", "b", "c"))).containsExactly(12, 4, 4);
        assertThat(new Concat().output(List.of(new int[] {8}, new int[] {3}), List.of("a", "b")))
                .containsExactly(11);
        assertThatThrownBy(() -> new Concat().output(List.of(new int[] {8}, new int[] {3, 1, 1}),
                List.of("a", "b"))).isInstanceOf(ShapeException.class);
    }

    @Test
    void windowsThatDoNotFit() {
        assertThatThrownBy(() -> out(conv(4, 7, 1, 0, 1, true), 3, 2, 2)).hasMessage("kernel 7x7 does not fit the 2x2 input");
        assertThatThrownBy(() -> out(conv(4, 3, 1, 1, 3, true), 3, 4, 4))
                .hasMessage("kernel 3x3 (dilation 3x3) does not fit the 4x4 input padded by 1");
        assertThatThrownBy(() -> out(new Pool("max", new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}), 3, 1, 1))
                .hasMessage("pool window 2x2 does not fit the 1x1 input");
        assertThatThrownBy(() -> out(new GlobalPool("avg"), 10))
                .hasMessage("global_avgpool needs a [channels, height, width] input, got [10]");
    }
}
