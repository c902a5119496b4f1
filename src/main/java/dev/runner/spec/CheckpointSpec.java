package dev.runner.spec;

/** The {@code checkpoint:} section: a checkpoint every {@code every} epochs (0 = never). */
public record CheckpointSpec(int every) {
}
