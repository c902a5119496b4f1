package dev.runner.spec;

import java.util.List;

/**
 * The {@code visualize:} section. {@code featureMapLayers} empty = none; {@code featureMapImages} the number of
 * test images (the first N) unless {@code featureMapIndices} is non-empty.
 */
public record VisualizeSpec(List<String> featureMapLayers, int featureMapImages, List<Integer> featureMapIndices) {
}
