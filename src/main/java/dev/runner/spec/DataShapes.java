package dev.runner.spec;

import java.util.List;

/**
 * Whether the images a {@code data:} section delivers fit {@code model.input}: the one rule, used when an
 * experiment is loaded (with what the data set's kind says) and again once the images are known (an image folder
 * without {@code resize}).
 */
public final class DataShapes {
    private DataShapes() {}

    /** {@code [channels, height, width]} after {@code augment} of stored images of shape {@code stored}. */
    public static int[] afterAugment(int[] stored, List<TransformSpec> augment) {
        int[] hw = {stored[1], stored[2]};
        for (TransformSpec t : augment) {
            hw = t.outputSize(hw[0], hw[1]);
        }
        return new int[] {stored[0], hw[0], hw[1]};
    }

    /**
     * Null when the images fit (or their size is not known yet), else what is wrong, naming both shapes.
     *
     * @param stored    {@code [c, h, w]} of the stored images; h = w = 0 when not known yet
     * @param augmented {@code [h, w]} after augment, or null when not known yet
     */
    static String mismatch(int[] stored, int[] augmented, List<TransformSpec> augment, int[] input) {
        if (augmented == null || stored[0] == input[0] && augmented[0] == input[1] && augmented[1] == input[2]) {
            return null;
        }
        return "the data gives " + Shapes.str(new int[] {stored[0], augmented[0], augmented[1]}) + " images"
                + (augment.isEmpty() ? "" : " after augment") + ", but the model takes " + Shapes.str(input);
    }

    /** As {@link #mismatch(int[], int[], List, int[])} for stored images of a known shape. */
    public static String mismatch(int[] stored, List<TransformSpec> augment, int[] input) {
        int[] after = afterAugment(stored, augment);
        return mismatch(stored, new int[] {after[1], after[2]}, augment, input);
    }
}
