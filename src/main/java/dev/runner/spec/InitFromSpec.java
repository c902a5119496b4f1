package dev.runner.spec;

import java.nio.file.Path;

/**
 * The {@code init_from:} section: a new run starts from another run's trained weights (fine-tuning).
 *
 * @param run    the run folder (or a model file in one), absolute
 * @param model  {@code last} ({@code model.zip}) or {@code best} ({@code best_model.zip})
 * @param layers {@code all}: every layer with parameters must match by name and shape; {@code matching}: the layers
 *               that do are loaded, the rest initialised as declared
 */
public record InitFromSpec(Path run, String model, String layers) {
}
