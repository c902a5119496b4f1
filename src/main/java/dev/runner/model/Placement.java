package dev.runner.model;

import dev.runner.UserError;
import dev.runner.model.onednn.OneDnnStep;
import dev.runner.spec.Language;
import dev.runner.spec.lang.SpecException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which engine trains and evaluates a network, on which device, and why: decided here and nowhere else.
 *
 * <p>Engines: {@code onednn}, the whole training step and inference as plans of oneDNN primitives (CPU only);
 * {@code dl4j}, DL4J's own layers, as DL4J ships them (the reference path). {@code auto}, the default, is the
 * oneDNN step on the CPU and DL4J's layers on CUDA. The device is the ND4J backend that started ({@link
 * Backend#device()}: {@code cpu} or {@code cuda}).
 *
 * @param engine the engine that runs: {@code onednn} or {@code dl4j}
 * @param device {@code cpu} or {@code cuda}
 * @param why    why this engine, in a few words
 */
public record Placement(String engine, String device, String why) {
    public static final String AUTO = "auto";
    public static final String ONEDNN = "onednn";
    public static final String DL4J = "dl4j";
    /** The values of the {@code engine} key and the {@code --engine} flag: the language's ({@link Language#ENGINES}). */
    public static final List<String> ENGINES = Language.ENGINES;

    /**
     * The placement of a network.
     *
     * @param requested   auto, onednn or dl4j
     * @param device      the device ND4J runs on
     * @param unavailable why the oneDNN step cannot run in this process, or null
     * @param refusal     what in the network the oneDNN step cannot run, or null
     * @throws SpecException naming the layer when {@code onednn} is asked for and the step cannot run one
     * @throws UserError     when {@code onednn} is asked for and cannot run in this process at all
     */
    static Placement decide(String requested, String device, String unavailable, OneDnnStep.Refusal refusal) {
        switch (requested) {
            case DL4J:
                return new Placement(DL4J, device, "engine dl4j asked for");
            case ONEDNN:
                if (unavailable != null) throw new UserError("engine onednn cannot run here: " + unavailable);
                if (refusal != null) throw refused(refusal);
                return new Placement(ONEDNN, device, "engine onednn asked for");
            case AUTO:
                if (!device.equals("cpu")) return new Placement(DL4J, device, "auto: DL4J's layers on " + device);
                if (unavailable != null) return new Placement(DL4J, device, "auto: " + unavailable);
                if (refusal != null) {
                    return new Placement(DL4J, device, "auto: " + (refusal.node() == null ? ""
                            : refusal.node().name() + ": ") + refusal.reason());
                }
                return new Placement(ONEDNN, device, "auto: the oneDNN step on the CPU");
            default:
                throw new IllegalArgumentException("engine must be one of " + ENGINES + ", got " + requested);
        }
    }

    private static RuntimeException refused(OneDnnStep.Refusal r) {
        if (r.node() == null) return new SpecException(null, "engine", "engine onednn cannot run this network: " + r.reason());
        return new SpecException(r.node().pos(), r.node().path(), r.node().name()
                + ": engine onednn cannot run this layer: " + r.reason());
    }

    /** One line: {@code onednn on cpu (auto: ...)}. */
    @Override
    public String toString() {
        return engine + " on " + device + " (" + why + ")";
    }

    /** For provenance.json and {@code runner bench}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", engine);
        m.put("device", device);
        m.put("why", why);
        return m;
    }
}
