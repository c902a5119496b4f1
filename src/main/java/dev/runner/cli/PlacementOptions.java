package dev.runner.cli;

import dev.runner.UserError;
import dev.runner.model.Backend;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --engine} and {@code --device}: shared by run, bench and check. */
final class PlacementOptions {
    @Option(names = "--engine", paramLabel = "ENGINE",
            description = "auto, onednn or dl4j: overrides the experiment's engine key (the same as --set engine=ENGINE).")
    String engine;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "cpu or cuda: the ND4J backend to start (default: CUDA when this jar has it and it starts, else the CPU).")
    String device;

    /** Starts the backend on the device asked for; call before anything touches ND4J. */
    void startBackend() {
        if (device != null && !device.equals("cpu") && !device.equals("cuda")) {
            throw new UserError("--device must be cpu or cuda, got '" + device + "'", 2, null);
        }
        Backend.useDevice(device);
        Backend.init();
    }

    /** The experiment's {@code --set} overrides with {@code --engine} as one more. */
    List<String> sets(List<String> sets) {
        List<String> all = new ArrayList<>(sets);
        if (engine != null) all.add("engine=" + engine);
        return all;
    }
}
