package dev.runner.spec;

/** The {@code evaluate:} section: {@code train} measures train accuracy in evaluation mode each epoch. */
public record EvaluateSpec(boolean train, boolean test) {
}
