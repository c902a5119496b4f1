package dev.runner.spec.layers;

import java.util.ArrayList;
import java.util.List;
import dev.runner.spec.lang.Vocabulary.OneOf;

/**
 * The one ordered list of the layer kinds an experiment file can name, in the order the docs list them. The
 * spec stage parses, names and shapes layers through it; the editor schema and the docs' key tables are made from
 * {@link #SCHEMA}. Adding a kind: its file in this package, its entry here, its DL4J compile entry
 * ({@code LayerCompilers.BY_KIND}), its oneDNN emitter ({@code Emitters.BY_KIND}) and a test.
 */
public final class LayerKinds {
    private LayerKinds() {}

    public static final List<LayerKind> ALL = all(
            List.of(Conv.KIND, BatchNorm.KIND),
            Activation.KINDS,
            Pool.KINDS,
            GlobalPool.KINDS,
            List.of(Flatten.KIND, Dense.KIND, Dropout.KIND, Scale.KIND, Add.KIND, Concat.KIND));

    /** The names of {@link #ALL}. */
    public static final List<String> NAMES = ALL.stream().map(LayerKind::name).toList();

    /** The kinds as the language describes them (the editor schema's {@code layer_*} definitions, the docs' table). */
    public static final OneOf SCHEMA = new OneOf("layer", "a layer of the network",
            ALL.stream().map(LayerKind::schema).toList());

    /** The kind called {@code name}, or null when there is none. */
    public static LayerKind byName(String name) {
        for (LayerKind k : ALL) if (k.name().equals(name)) return k;
        return null;
    }

    @SafeVarargs
    private static List<LayerKind> all(List<LayerKind>... groups) {
        List<LayerKind> out = new ArrayList<>();
        for (List<LayerKind> g : groups) out.addAll(g);
        return List.copyOf(out);
    }
}
