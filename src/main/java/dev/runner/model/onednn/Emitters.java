package dev.runner.model.onednn;

import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.LayerKinds;
import dev.runner.spec.layers.LayerSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The oneDNN emitter of every layer kind ({@link LayerKinds#NAMES}), keyed by {@link LayerSpec#kind()}. Adding a
 * layer kind means its file in {@code dev.runner.spec.layers} (record, schema, parsing, shape, parameters), its
 * DL4J compile entry ({@code dev.runner.model.LayerCompilers}), an emitter class here with its entry below, and a
 * test; a test checks that every kind has both engine entries.
 */
public final class Emitters {
    static final Map<String, Emitter> BY_KIND = byKind();

    private Emitters() {}

    private static Map<String, Emitter> byKind() {
        Map<String, Emitter> m = new LinkedHashMap<>();
        m.put("conv", new ConvEmitter());
        m.put("batchnorm", new BatchNormEmitter());
        ActivationEmitter activation = new ActivationEmitter();
        for (String a : Activation.NAMES) m.put(a, activation);
        PoolEmitter pool = new PoolEmitter();
        m.put("maxpool", pool);
        m.put("avgpool", pool);
        GlobalPoolEmitter global = new GlobalPoolEmitter();
        m.put("global_avgpool", global);
        m.put("global_maxpool", global);
        m.put("flatten", new FlattenEmitter());
        m.put("dense", new DenseEmitter());
        m.put("dropout", new DropoutEmitter());
        m.put("scale", new ScaleEmitter());
        m.put("add", new AddEmitter());
        m.put("concat", new ConcatEmitter());
        return Map.copyOf(m);
    }

    /** The layer kinds that have an emitter. */
    public static java.util.Set<String> kinds() {
        return BY_KIND.keySet();
    }

    static Emitter of(String kind) {
        Emitter e = BY_KIND.get(kind);
        if (e == null) throw new IllegalStateException("no oneDNN emitter for " + kind);
        return e;
    }
}
