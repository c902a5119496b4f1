package dev.runner.spec.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.runner.spec.lang.Fields;
import dev.runner.spec.lang.SourcePos;
import dev.runner.spec.lang.SpecException;
import dev.runner.spec.lang.Vocabulary.Kind;
import dev.runner.spec.lang.YNode;
import dev.runner.spec.lang.YNode.Entry;
import dev.runner.spec.lang.YNode.YMap;
import dev.runner.spec.lang.YNode.YScalar;

/**
 * One layer kind as the language knows it: its schema section (arguments with defaults, ranges, descriptions and
 * examples, which the editor schema and the docs' key tables are made from) and how its arguments become a
 * {@link LayerSpec}. Declared beside the kind's record, listed in {@link LayerKinds#ALL}.
 *
 * @param schema    the name, the argument a bare value sets ({@code dropout: 0.25}), the description, the arguments
 * @param shortName the base of automatic names ({@code bn} gives {@code bn1, bn2}...)
 * @param merges    reads two or more {@code inputs} (add, concat); every other kind reads one
 * @param parser    the arguments, already checked against {@code schema}'s keys, to a layer
 */
public record LayerKind(Kind schema, String shortName, boolean merges, Parser parser) {
    /** Reads a kind's arguments; {@code modelInit} is the model's {@code init:}, the default of conv and dense. */
    @FunctionalInterface
    public interface Parser {
        LayerSpec parse(Fields args, InitSpec modelInit);
    }

    /** A kind that reads one input and is named by its own name plus a counter. */
    static LayerKind of(Kind schema, Parser parser) {
        return new LayerKind(schema, schema.name(), false, parser);
    }

    public String name() {
        return schema.name();
    }

    /**
     * Reads {@code args} (the value after the kind's name: a map, a bare value for the kind's shorthand, or null) at
     * {@code path}; {@code at} is where the layer was written.
     */
    public LayerSpec parse(YNode args, String path, SourcePos at, InitSpec modelInit) {
        if (args instanceof YMap m) {
            for (String x : List.of("name", "inputs"))
                if (m.entries().containsKey(x))
                    throw new SpecException(m.entries().get(x).keyPos(), path + "." + x, "`" + x
                            + "` goes next to the layer type, not inside its arguments: - {" + name() + ": {...}, " + x + ": ...}");
        } else if (args != null && !(args instanceof YScalar s && s.isNull())) {
            if (schema.shorthand() == null)
                throw Fields.err(args, path, "expected a map of arguments, got " + YNode.describe(args));
            Map<String, Entry> e = new LinkedHashMap<>();
            e.put(schema.shorthand(), new Entry(args.pos(), args));
            args = new YMap(e, args.pos());
        }
        if (schema.args().keys().isEmpty() && args instanceof YMap m && !m.entries().isEmpty())
            throw new SpecException(m.entries().values().iterator().next().keyPos(), path, "`" + name() + "` takes no arguments");
        return parser.parse(Fields.of(args, path, at, schema.args()), modelInit);
    }
}
