package dev.runner.spec.lang;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import dev.runner.spec.lang.Vocabulary.Int;
import dev.runner.spec.lang.Vocabulary.Key;
import dev.runner.spec.lang.Vocabulary.Kind;
import dev.runner.spec.lang.Vocabulary.Num;
import dev.runner.spec.lang.Vocabulary.OneOf;
import dev.runner.spec.lang.Vocabulary.Range;
import dev.runner.spec.lang.Vocabulary.Section;
import dev.runner.spec.lang.Vocabulary.Text;
import dev.runner.spec.lang.YNode.YList;
import dev.runner.spec.lang.YNode.YMap;
import dev.runner.spec.lang.YNode.YScalar;

/**
 * Reads one YAML map against a {@link Vocabulary.Section}: keys outside it are errors (with did-you-mean), and the
 * typed getters take each key's type, default and range from the section. Every value read (or default used) is
 * recorded in {@link #out}, in the order the getters are called, which is the canonical key order of
 * the resolved experiment. Explicit {@code null} counts as absent.
 */
public final class Fields {
    public final YMap map;
    public final String path;
    public final Section section;
    public final Map<String, Object> out = new LinkedHashMap<>();

    private Fields(YMap map, String path, Section section) {
        this.map = map;
        this.path = path;
        this.section = section;
    }

    /** {@code node} must be a map (null = empty map at {@code at}); keys outside {@code section} are errors. */
    public static Fields of(YNode node, String path, SourcePos at, Section section) {
        if (node == null || node instanceof YScalar s && s.isNull()) node = new YMap(new LinkedHashMap<>(), at);
        if (!(node instanceof YMap m)) throw err(node, path, "expected a map, got " + YNode.describe(node));
        List<String> ok = section.names();
        m.entries().forEach((k, e) -> {
            if (!ok.contains(k)) throw new SpecException(e.keyPos(), join(path, k), unknown("key", k, ok));
        });
        return new Fields(m, path, section);
    }

    /** The arguments of a chosen kind; {@code kind: value} with a shorthand becomes {@code kind: {shorthand: value}}. */
    public static Fields args(Choice c, OneOf of) {
        Kind kind = of.kind(c.kind());
        YNode a = c.args();
        if (kind.shorthand() != null && (a instanceof YScalar s && !s.isNull() || a instanceof YList)) {
            Map<String, YNode.Entry> e = new LinkedHashMap<>();
            e.put(kind.shorthand(), new YNode.Entry(a.pos(), a));
            a = new YMap(e, a.pos());
        }
        return of(a, c.path(), c.pos(), kind.args());
    }

    // ---------------------------------------------------------------- getters (record into out)

    /** The raw value, or null when absent or null. */
    public YNode node(String key) {
        YNode n = map.get(key);
        return n instanceof YScalar s && s.isNull() ? null : n;
    }

    public boolean has(String key) {
        return node(key) != null;
    }

    public String at(String key) {
        return join(path, key);
    }

    public Key key(String key) {
        return section.key(key);
    }

    /** The node of a key, or null when absent and not required. */
    private YNode value(String key) {
        return key(key).required() ? required(key) : node(key);
    }

    public YNode required(String key) {
        YNode n = node(key);
        if (n == null) throw new SpecException(map.pos(), path, "missing required key `" + key + "`");
        return n;
    }

    public int getInt(String key) {
        YNode n = value(key);
        return put(key, n == null ? ((Number) key(key).dflt()).intValue() : toInt(n, at(key), (Int) key(key).type()));
    }

    public double getDouble(String key) {
        YNode n = value(key);
        return put(key, n == null ? ((Number) key(key).dflt()).doubleValue()
                : toDouble(n, at(key), ((Num) key(key).type()).range()));
    }

    /** An optional number whose absence means null. */
    public Double getOptDouble(String key) {
        YNode n = value(key);
        return put(key, n == null ? null : toDouble(n, at(key), ((Num) key(key).type()).range()));
    }

    public boolean getBool(String key) {
        YNode n = value(key);
        return put(key, n == null ? (Boolean) key(key).dflt() : toBool(n, at(key)));
    }

    public String getString(String key) {
        return getString(key, (String) key(key).dflt());
    }

    /** A text whose default is computed ({@code name}: the file's stem); checked against the key's pattern. */
    public String getString(String key, String dflt) {
        YNode n = value(key);
        String v = n == null ? dflt : toStr(n, at(key));
        Text t = (Text) key(key).type();
        if (v != null && t.pattern() != null && !Pattern.compile(t.pattern()).matcher(v).matches())
            throw err(n != null ? n : map, at(key), "expected " + t.what().replace("`", "") + ", got \"" + v + "\"");
        return put(key, v);
    }

    public String getEnum(String key) {
        YNode n = value(key);
        List<String> options = ((Vocabulary.Enum) key(key).type()).values();
        return put(key, n == null ? (String) key(key).dflt() : toEnum(n, at(key), options));
    }

    public <T> T put(String key, T v) {
        out.put(key, v);
        return v;
    }

    // ---------------------------------------------------------------- conversions of single nodes

    public static int toInt(YNode n, String path, Int t) {
        return toInt(n, path, (int) t.min(), (int) Math.min(Integer.MAX_VALUE, t.max()));
    }

    private static int toInt(YNode n, String path, int min, int max) {
        Object v = n instanceof YScalar s ? s.value() : null;
        long x;
        if (v instanceof Long l) x = l;
        else if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) x = d.longValue();
        else throw err(n, path, "expected an integer, got " + YNode.describe(n));
        if (x < min || x > max)
            throw err(n, path, max == Integer.MAX_VALUE ? "must be >= " + min + ", got " + x
                    : "must be between " + min + " and " + max + ", got " + x);
        return (int) x;
    }

    public static double toDouble(YNode n, String path, Range r) {
        Object v = n instanceof YScalar s ? s.value() : null;
        if (!(v instanceof Number num)) throw err(n, path, "expected a number, got " + YNode.describe(n));
        double x = num.doubleValue();
        String problem = r.check(x);
        if (problem != null) throw err(n, path, problem + ", got " + ((YScalar) n).text());
        return x;
    }

    public static boolean toBool(YNode n, String path) {
        if (n instanceof YScalar s && s.value() instanceof Boolean b) return b;
        throw err(n, path, "expected true or false, got " + YNode.describe(n));
    }

    public static String toStr(YNode n, String path) {
        if (n instanceof YScalar s && s.value() != null && !(s.value() instanceof Boolean)) return s.text();
        throw err(n, path, "expected a string, got " + YNode.describe(n));
    }

    public static String toEnum(YNode n, String path, List<String> options) {
        String s = toStr(n, path);
        if (!options.contains(s)) throw err(n, path, unknown("value", s, options));
        return s;
    }

    public static List<YNode> toList(YNode n, String path) {
        if (n instanceof YList l) return l.items();
        throw err(n, path, "expected a list, got " + YNode.describe(n));
    }

    /** A number for both sides or {@code [height, width]}. */
    public static int[] toPair(YNode n, String path, int min) {
        if (n instanceof YList l) {
            if (l.items().size() != 2)
                throw err(n, path, "expected a number or [height, width], got a list of " + l.items().size());
            return new int[] {toInt(l.items().get(0), path + "[0]", min, Integer.MAX_VALUE),
                    toInt(l.items().get(1), path + "[1]", min, Integer.MAX_VALUE)};
        }
        if (!(n instanceof YScalar s) || !(s.value() instanceof Number))
            throw err(n, path, "expected a number or [height, width], got " + YNode.describe(n));
        int v = toInt(n, path, min, Integer.MAX_VALUE);
        return new int[] {v, v};
    }

    public static List<Double> toDoubles(YNode n, String path, Range r) {
        List<Double> out = new ArrayList<>();
        List<YNode> items = toList(n, path);
        for (int i = 0; i < items.size(); i++) out.add(toDouble(items.get(i), path + "[" + i + "]", r));
        return out;
    }

    /** One of several kinds written as {@code kind} or {@code kind: args}; {@code args} null for the bare form. */
    public record Choice(String kind, YNode args, String path, SourcePos pos) {}

    public static Choice choice(YNode n, String path, OneOf of) {
        List<String> ok = of.names();
        if (n instanceof YScalar s && s.value() instanceof String str) {
            if (!ok.contains(str)) throw err(n, path, unknown("kind", str, ok));
            return new Choice(str, null, path + "." + str, n.pos());
        }
        if (n instanceof YMap m && m.entries().size() == 1) {
            Map.Entry<String, YNode.Entry> e = m.entries().entrySet().iterator().next();
            if (!ok.contains(e.getKey()))
                throw new SpecException(e.getValue().keyPos(), path + "." + e.getKey(), unknown("kind", e.getKey(), ok));
            return new Choice(e.getKey(), e.getValue().value(), path + "." + e.getKey(), n.pos());
        }
        throw err(n, path, "expected one of " + String.join(", ", ok) + " (written `" + ok.get(0)
                + ": {...}`), got " + YNode.describe(n));
    }

    // ---------------------------------------------------------------- messages

    public static SpecException err(YNode n, String path, String problem) {
        return new SpecException(n.pos(), path, problem);
    }

    public static String join(String path, String key) {
        return path == null || path.isEmpty() ? key : path + "." + key;
    }

    /** "unknown key; did you mean `momentum`?" or "unknown key; expected one of a, b, c". */
    public static String unknown(String what, String wrong, Collection<String> options) {
        String s = suggest(wrong, options);
        if (s != null) return "unknown " + what + " `" + wrong + "`; did you mean `" + s + "`?";
        List<String> list = new ArrayList<>(options);
        String known = list.size() <= 12 ? String.join(", ", list)
                : String.join(", ", list.subList(0, 10)) + ", ... (" + list.size() + " in all)";
        return "unknown " + what + " `" + wrong + "`; expected one of " + known;
    }

    /** The closest option by edit distance, if close enough to be a typo. */
    public static String suggest(String wrong, Collection<String> options) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String o : options) {
            int d = distance(wrong.toLowerCase(), o.toLowerCase());
            if (d < bestD) {
                bestD = d;
                best = o;
            }
        }
        return best != null && bestD <= Math.min(2, Math.max(1, wrong.length() / 3)) ? best : null;
    }

    /** Edit distance where swapping two neighbours counts as one edit (optimal string alignment). */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++)
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        return d[a.length()][b.length()];
    }
}
