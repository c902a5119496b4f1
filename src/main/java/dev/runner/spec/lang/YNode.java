package dev.runner.spec.lang;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value with the position it was written at: what the loader works on after SnakeYAML composed the file.
 * Scalars are already typed (null, Boolean, Long, Double or String; quoted text is always a String).
 */
public sealed interface YNode {
    SourcePos pos();

    /** A mapping; keys are strings, kept in file order, each with the position of the key. */
    record YMap(Map<String, Entry> entries, SourcePos pos) implements YNode {
        public YNode get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }
    }

    record Entry(SourcePos keyPos, YNode value) {}

    record YList(List<YNode> items, SourcePos pos) implements YNode {}

    /** @param text the scalar as written, @param value the typed value */
    record YScalar(Object value, String text, boolean quoted, SourcePos pos) implements YNode {
        public boolean isNull() { return value == null; }
    }

    /** Deep merge for {@code extends}: maps merge key by key, anything else in {@code over} replaces. */
    static YNode merge(YNode base, YNode over) {
        if (base instanceof YMap b && over instanceof YMap o) {
            Map<String, Entry> m = new LinkedHashMap<>(b.entries());
            o.entries().forEach((k, e) -> {
                Entry old = m.get(k);
                m.put(k, old == null ? e : new Entry(e.keyPos(), merge(old.value(), e.value())));
            });
            return new YMap(m, o.pos());
        }
        return over;
    }

    /** Plain Java form: LinkedHashMap, ArrayList and scalar values. */
    static Object plain(YNode n) {
        if (n == null) return null;
        if (n instanceof YScalar s) return s.value();
        if (n instanceof YList l) {
            List<Object> out = new ArrayList<>();
            l.items().forEach(i -> out.add(plain(i)));
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        ((YMap) n).entries().forEach((k, e) -> out.put(k, plain(e.value())));
        return out;
    }

    /** How a value is described in "expected X, got Y" messages. */
    static String describe(YNode n) {
        if (n == null) return "nothing";
        if (n instanceof YMap) return "a map";
        if (n instanceof YList) return "a list";
        YScalar s = (YScalar) n;
        if (s.value() == null) return "nothing (null)";
        if (s.value() instanceof String str) return "\"" + str + "\"";
        return s.text();
    }
}
