package dev.runner.spec;

/** The {@code lr_range_test:} section; mode {@code exp} or {@code linear}. */
public record LrRangeTestSpec(double startLr, double endLr, int iterations, String mode, double smooth,
                              double diverge) {
}
