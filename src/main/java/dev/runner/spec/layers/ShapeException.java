package dev.runner.spec.layers;

/** A shape that cannot work; the spec stage turns it into a {@code SpecException} at the layer that declared it. */
public final class ShapeException extends RuntimeException {
    public ShapeException(String message) {
        super(message);
    }
}
