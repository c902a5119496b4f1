package dev.runner.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-written results folders (metrics.json in the documented schema) for diff and report tests. */
final class CraftedRuns {
    private CraftedRuns() {
    }

    static final String ORIGIN_YAML = """
            name: origin
            description: "The tutorial CNN, trained for 2 epochs."
            seed: 42
            epochs: 2
            data:
              dataset: cifar10
              batch_size: 4
              test_batch_size: 256
              shuffle: true
              augment: []
              normalize: {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}
            model:
              input: [3, 32, 32]
              layers:
                - {conv1: {conv: {out: 6, kernel: 5}}}
                - {fc3: {dense: {out: 3}}}
            optimizer: {sgd: {lr: 0.001, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 0}}
            schedule: constant
            evaluate: {train: false, test: true}
            """;

    static final String ORIGIN_4EP_YAML = """
            name: origin_4ep
            description: "Same network, 4 epochs, with augmentation."
            seed: 42
            epochs: 4
            data:
              dataset: cifar10
              batch_size: 4
              test_batch_size: 256
              shuffle: true
              augment:
                - pad: {size: 4, mode: zero}
                - random_crop: {size: 32}
              normalize: {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}
            model:
              input: [3, 32, 32]
              layers:
                - {conv1: {conv: {out: 6, kernel: 5}}}
                - {fc3: {dense: {out: 3}}}
            optimizer: {sgd: {lr: 0.002, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 0}}
            schedule: {cosine: {eta_min: 0}}
            evaluate: {train: true, test: true}
            """;

    static final String ORIGIN_METRICS = """
            {
              "name": "origin",
              "status": "completed",
              "error": null,
              "epochs_planned": 2,
              "iterations_per_epoch": 3,
              "classes": ["plane", "car", "bird"],
              "epochs": [
                {"epoch": 1, "train_loss": 1.9, "test_loss": 1.6, "test_accuracy": 0.41, "lr": 0.001, "seconds": 95.2},
                {"epoch": 2, "train_loss": 1.4, "test_loss": 1.35, "test_accuracy": 0.53, "lr": 0.001, "seconds": 96.8}
              ],
              "iterations": {"loss": [2.3, 2.1, 1.9, 1.6, 1.4, 1.3], "lr": [0.001, 0.001, 0.001, 0.001, 0.001, 0.001]},
              "final": {"test_accuracy": 0.53, "train_accuracy": null,
                        "per_class_accuracy": {"plane": 0.6, "car": 0.7, "bird": 0.29},
                        "train_per_class_accuracy": null,
                        "confusion_matrix": [[60, 30, 10], [20, 70, 10], [40, 31, 29]]}
            }
            """;

    static final String ORIGIN_4EP_METRICS = """
            {
              "name": "origin_4ep",
              "status": "completed",
              "error": null,
              "epochs_planned": 4,
              "iterations_per_epoch": 2,
              "classes": ["plane", "car", "bird"],
              "epochs": [
                {"epoch": 1, "train_loss": 1.8, "test_loss": 1.5, "test_accuracy": 0.45, "train_accuracy": 0.46, "lr": 0.002, "seconds": 100.0},
                {"epoch": 2, "train_loss": 1.3, "test_loss": 1.25, "test_accuracy": 0.55, "train_accuracy": 0.56, "lr": 0.0017, "seconds": 102.0},
                {"epoch": 3, "train_loss": 1.1, "test_loss": 1.1, "test_accuracy": 0.61, "train_accuracy": 0.6, "lr": 0.001, "seconds": 98.0},
                {"epoch": 4, "train_loss": 1.0, "test_loss": 1.15, "test_accuracy": 0.6, "train_accuracy": 0.62, "lr": 0.0003, "seconds": 100.0}
              ],
              "iterations": {"loss": [2.2, 1.9, 1.5, 1.2, 1.1, 1.1, 1.0, 1.0], "lr": [0.002, 0.0019, 0.0017, 0.0014, 0.001, 0.0007, 0.0003, 0.0001]},
              "final": {"test_accuracy": 0.6, "train_accuracy": 0.62,
                        "per_class_accuracy": {"plane": 0.65, "car": 0.75, "bird": 0.43},
                        "train_per_class_accuracy": {"plane": 0.66, "car": 0.77, "bird": 0.45},
                        "confusion_matrix": [[65, 25, 10], [15, 75, 10], [30, 27, 43]]}
            }
            """;

    static final String FAILED_METRICS = """
            {
              "name": "origin_4ep",
              "status": "failed",
              "error": "loss became NaN at epoch 2, iteration 5",
              "epochs_planned": 4,
              "iterations_per_epoch": 2,
              "classes": ["plane", "car", "bird"],
              "epochs": [
                {"epoch": 1, "train_loss": 1.8, "test_loss": 1.5, "test_accuracy": 0.45, "lr": 0.002, "seconds": 100.0}
              ],
              "iterations": {"loss": [2.2, 1.9, NaN], "lr": [0.002, 0.0019, 0.0017]},
              "final": null
            }
            """;

    static final String SUMMARY = """
            layer   type     output       params
            conv1   conv     6x28x28         456
            fc3     dense    3               ...
            total                          1,234
            """;

    static Path write(Path root, String name, String runId, String yaml, String metrics) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name).resolve(runId));
        if (yaml != null) {
            Files.writeString(dir.resolve("experiment.yaml"), yaml);
        }
        if (metrics != null) {
            Files.writeString(dir.resolve("metrics.json"), metrics);
        }
        Files.writeString(dir.resolve("summary.txt"), SUMMARY);
        return dir;
    }
}
