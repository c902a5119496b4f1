package dev.runner.spec;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes a resolved experiment ({@link Experiment#resolved()}) as stable YAML text: block style for the
 * sections, flow style for small values, keys in the map's order, strings quoted whenever they could read as
 * something else. The text loads back to the same experiment.
 */
public final class SpecWriter {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_$][A-Za-z0-9_.$/-]*");
    private static final Set<String> YAML11_WORDS = Set.of("y", "n", "yes", "no", "on", "off");
    private static final int WIDTH = 100;

    private SpecWriter() {}

    public static String toYaml(Map<String, ?> map) {
        StringBuilder sb = new StringBuilder();
        block(sb, map, 0);
        return sb.toString();
    }

    private static void block(StringBuilder sb, Map<?, ?> map, int indent) {
        map.forEach((k, v) -> {
            sb.append(" ".repeat(indent)).append(scalar(k.toString())).append(':');
            value(sb, v, indent);
        });
    }

    /** Writes a value after "key:" or "-": on the same line if it fits, else indented below. */
    private static void value(StringBuilder sb, Object v, int indent) {
        String flow = flow(v);
        boolean nested = v instanceof Map<?, ?> m && !m.isEmpty() || v instanceof List<?> l && !l.isEmpty();
        boolean sectionMap = v instanceof Map<?, ?> && indent == 0;
        if (!nested || !sectionMap && indent + flow.length() < WIDTH - 10) {
            sb.append(' ').append(flow).append('\n');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('\n');
            block(sb, m, indent + 2);
        } else {
            sb.append('\n');
            for (Object item : (List<?>) v) {
                sb.append(" ".repeat(indent + 2)).append('-');
                if (item instanceof Map<?, ?> im && !im.isEmpty() && indent + 2 + flow(im).length() >= WIDTH - 10) {
                    StringBuilder inner = new StringBuilder(); // "- key: ..." with the map's keys under the first
                    block(inner, im, indent + 4);
                    sb.append(' ').append(inner.substring(indent + 4));
                } else {
                    value(sb, item, indent + 2);
                }
            }
        }
    }

    static String flow(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            m.forEach((k, x) -> sb.append(sb.length() > 1 ? ", " : "").append(scalar(k.toString())).append(": ").append(flow(x)));
            return sb.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            l.forEach(x -> sb.append(sb.length() > 1 ? ", " : "").append(flow(x)));
            return sb.append(']').toString();
        }
        if (v == null) return "null";
        if (v instanceof Double d) {
            if (d.isNaN()) return ".nan";
            if (d.isInfinite()) return d > 0 ? ".inf" : "-.inf";
            return d.toString();
        }
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        return scalar(v.toString());
    }

    private static String scalar(String s) {
        if (PLAIN.matcher(s).matches() && s.equals(YamlReader.typed(s)) && !YAML11_WORDS.contains(s.toLowerCase()))
            return s;
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
