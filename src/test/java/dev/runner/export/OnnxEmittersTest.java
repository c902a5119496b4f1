package dev.runner.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.spec.layers.LayerKinds;
import org.junit.jupiter.api.Test;

class OnnxEmittersTest {
    @Test
    void everyLayerKindHasAnOnnxEntry() {
        assertThat(OnnxEmitters.BY_KIND.keySet()).containsExactlyInAnyOrderElementsOf(LayerKinds.NAMES);
    }

    @Test
    void samePaddingPutsTheOddPixelAtTheBottomAndRight() {
        // 8 wide, kernel 3 dilated 2 (5 wide), stride 1: 4 pixels of padding, 2 each side
        assertThat(OnnxEmitters.pads(new int[] {3, 8, 8}, new int[] {3, 3}, new int[] {1, 1}, null, new int[] {2, 2}))
                .containsExactly(2, 2, 2, 2);
        // 8 wide, kernel 3, stride 2: out 4, (4 - 1) * 2 + 3 - 8 = 1 pixel, at the end
        assertThat(OnnxEmitters.pads(new int[] {3, 8, 7}, new int[] {3, 3}, new int[] {2, 2}, null, new int[] {1, 1}))
                .containsExactly(0, 1, 1, 1);
        assertThat(OnnxEmitters.pads(new int[] {3, 8, 8}, new int[] {3, 5}, new int[] {1, 1}, new int[] {1, 2},
                new int[] {1, 1})).containsExactly(1, 2, 1, 2);
    }
}
