package dev.runner.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.runner.spec.layers.LayerKind;
import dev.runner.spec.layers.LayerKinds;

/**
 * What a layer is called when it has no {@code name:}: its type's short name ({@link LayerKind#shortName()}) plus a counter per scope
 * ({@code conv1, bn1, relu1, fc1}; a block use: the block's name plus a counter). The one place of that rule:
 * {@link ModelBuilder} names the nodes with it, and diff, table and serve read the names of a resolved
 * experiment's top-level layers with {@link #of(List)} to compare two networks layer by layer.
 */
public final class LayerNames {
    private LayerNames() {
    }

    /** The base of a default name for a layer of type {@code kind} (before its counter). */
    public static String base(String kind) {
        LayerKind k = LayerKinds.byName(kind);
        return k != null ? k.shortName() : kind;
    }

    /**
     * The names of the items of a {@code layers:} list as plain YAML values (a type as a string, or a map of one
     * type plus optional {@code name} and {@code inputs}); an item that is neither is called {@code layerN}
     * (its position, from 1). Names are unique in the result: a repeated explicit name gets {@code #2}, ...
     */
    public static List<String> of(List<?> layers) {
        Map<String, Integer> counters = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Object item = layers.get(i);
            String name = null;
            String kind = null;
            if (item instanceof String s) {
                kind = s;
            } else if (item instanceof Map<?, ?> m) {
                if (m.get("name") instanceof String n) {
                    name = n;
                }
                for (Object k : m.keySet()) {
                    if (!"name".equals(k) && !"inputs".equals(k)) {
                        kind = String.valueOf(k);
                        break;
                    }
                }
            }
            if (name == null) {
                name = kind == null ? "layer" + (i + 1) : base(kind) + counters.merge(base(kind), 1, Integer::sum);
            }
            String unique = name;
            for (int k = 2; out.contains(unique); k++) {
                unique = name + "#" + k;
            }
            out.add(unique);
        }
        return out;
    }
}
