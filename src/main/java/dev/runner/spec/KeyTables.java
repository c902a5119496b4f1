package dev.runner.spec;

import dev.runner.spec.lang.Vocabulary;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.InitSpec;
import dev.runner.spec.layers.LayerKinds;
import dev.runner.spec.lang.Vocabulary.AnyOf;
import dev.runner.spec.lang.Vocabulary.Anything;
import dev.runner.spec.lang.Vocabulary.Bool;
import dev.runner.spec.lang.Vocabulary.Int;
import dev.runner.spec.lang.Vocabulary.Key;
import dev.runner.spec.lang.Vocabulary.Kind;
import dev.runner.spec.lang.Vocabulary.Layers;
import dev.runner.spec.lang.Vocabulary.ListOf;
import dev.runner.spec.lang.Vocabulary.MapOf;
import dev.runner.spec.lang.Vocabulary.Num;
import dev.runner.spec.lang.Vocabulary.OneOf;
import dev.runner.spec.lang.Vocabulary.Padding;
import dev.runner.spec.lang.Vocabulary.Pair;
import dev.runner.spec.lang.Vocabulary.Ref;
import dev.runner.spec.lang.Vocabulary.Section;
import dev.runner.spec.lang.Vocabulary.Text;
import dev.runner.spec.lang.Vocabulary.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The key tables of docs/experiment-files.md, generated from {@link Language}. The page marks each table with
 * {@code <!-- keys: NAME -->} ... {@code <!-- end keys -->}; {@link #fill} regenerates them all (a test keeps the
 * page equal to its filled self).
 */
public final class KeyTables {
    private static final Pattern REGION = Pattern.compile("<!-- keys: ([a-z_]+) -->\n.*?<!-- end keys -->", Pattern.DOTALL);

    private KeyTables() {}

    /** The tables by the name the page uses. */
    static Map<String, String> tables() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("experiment", keys(Language.EXPERIMENT, ""));
        m.put("data", keys(Language.DATA, ""));
        m.put("dataset", kindKeys(Language.DATASET));
        m.put("augment", kinds(Language.AUGMENT, "transform"));
        m.put("model", keys(Language.MODEL, ""));
        m.put("loss", kindKeys(Language.LOSS));
        m.put("init", kinds(InitSpec.SCHEMA, "init"));
        m.put("batchnorm_init", keys(BatchNorm.INIT, "batchnorm.init."));
        m.put("layers", kinds(LayerKinds.SCHEMA, "type"));
        m.put("layer_extras", keys(Language.LAYER_EXTRAS, ""));
        m.put("block", keys(Language.BLOCK, "") + "\n" + keys(Language.RESIDUAL, "residual."));
        m.put("repeat", keys(Language.REPEAT, "repeat."));
        m.put("optimizer", kindKeys(Language.OPTIMIZER));
        m.put("schedule", kinds(Language.SCHEDULE, "kind"));
        m.put("lr_range_test", keys(Language.LR_RANGE_TEST, ""));
        m.put("evaluate", keys(Language.EVALUATE, "evaluate.") + rows(Language.FEATURE_MAPS, "visualize.feature_maps.")
                + rows(Language.CHECKPOINT, "checkpoint.") + rows(Language.EARLY_STOPPING, "early_stopping.") + rows(Language.INIT_FROM, "init_from."));
        return m;
    }

    /** {@code page} with every marked table regenerated. */
    public static String fill(String page) {
        Map<String, String> tables = tables();
        Matcher m = REGION.matcher(page);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String t = tables.get(m.group(1));
            if (t == null) throw new IllegalArgumentException("no key table `" + m.group(1) + "`; there are " + tables.keySet());
            m.appendReplacement(sb, Matcher.quoteReplacement("<!-- keys: " + m.group(1) + " -->\n" + t + "<!-- end keys -->"));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The names of the tables {@code page} marks. */
    static List<String> marked(String page) {
        List<String> names = new ArrayList<>();
        Matcher m = REGION.matcher(page);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    // ---------------------------------------------------------------- tables

    private static String keys(Section s, String prefix) {
        return "| key | type | default | meaning |\n| --- | --- | --- | --- |\n" + rows(s, prefix);
    }

    private static String rows(Section s, String prefix) {
        StringBuilder sb = new StringBuilder();
        for (Key k : s.keys())
            sb.append("| `").append(prefix).append(k.name()).append("` | ").append(cell(type(k.type()))).append(" | ")
                    .append(cell(dflt(k))).append(" | ").append(cell(meaning(k))).append(" |\n");
        return sb.toString();
    }

    /** One row per kind: its arguments in a cell. */
    private static String kinds(OneOf o, String head) {
        StringBuilder sb = new StringBuilder("| " + head + " | arguments | meaning |\n| --- | --- | --- |\n");
        for (Kind k : o.kinds()) {
            String args = k.args().keys().stream().map(a -> "`" + a.name() + "` (" + type(a.type()) + ", "
                    + (a.required() ? "required" : "default " + dflt(a))
                    + (a.name().equals(k.shorthand()) ? "; shorthand `" + k.name() + ": value`" : "") + ")")
                    .collect(Collectors.joining(", "));
            sb.append("| `").append(k.name()).append("` | ").append(cell(args.isEmpty() ? "none" : args)).append(" | ")
                    .append(cell(k.doc())).append(" |\n");
        }
        return sb.toString();
    }

    /** One row per argument of each kind. */
    private static String kindKeys(OneOf o) {
        StringBuilder sb = new StringBuilder("| kind | key | type | default | meaning |\n| --- | --- | --- | --- | --- |\n");
        for (Kind k : o.kinds()) {
            boolean first = true;
            for (Key a : k.args().keys()) {
                sb.append("| ").append(first ? "`" + k.name() + "`: " + cell(k.doc()) : "").append(" | `").append(a.name())
                        .append("` | ").append(cell(type(a.type()))).append(" | ").append(cell(dflt(a))).append(" | ")
                        .append(cell(meaning(a) + (a.name().equals(k.shorthand()) ? "; shorthand `" + k.name()
                                + ": value`" : ""))).append(" |\n");
                first = false;
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- cells

    /** A key's one-line description with its default, for the JSON Schema's hover text. */
    static String description(Key k) {
        return plain(k.doc()) + (k.required() ? " (required)" : " (default: " + plain(dflt(k)) + ")");
    }

    private static String meaning(Key k) {
        return k.example() == null ? k.doc() : k.doc() + ", e.g. `" + k.example() + "`";
    }

    private static String dflt(Key k) {
        if (k.required()) return "**required**";
        if (k.dflt() != null) return "`" + value(k.dflt()) + "`";
        return k.dfltText() == null ? "none" : k.dfltText();
    }

    static String type(Type t) {
        if (t instanceof Int i) return i.max() >= Integer.MAX_VALUE ? "integer >= " + i.min()
                : "integer " + i.min() + ".." + i.max();
        if (t instanceof Num n) return n.range().text().isEmpty() ? "number" : "number " + n.range().text();
        if (t instanceof Bool) return "boolean";
        if (t instanceof Text x) return x.what() == null ? "text" : x.what();
        if (t instanceof Vocabulary.Enum e) return words(e.values());
        if (t instanceof Pair p) return "integer >= " + p.min() + " or `[h, w]`";
        if (t instanceof Padding) return "integer >= 0, `[h, w]`, `same` or `valid`";
        if (t instanceof ListOf l) return "list of " + type(l.item()) + (l.minItems() == l.maxItems() ? " (" + l.minItems() + ")" : "");
        if (t instanceof AnyOf a) return a.options().stream().map(KeyTables::type).collect(Collectors.joining(" or "));
        if (t instanceof Section s) return s.keys().size() == 1 ? "`{" + s.keys().get(0).name() + ": ...}`" : "map";
        if (t instanceof OneOf o) return "one of " + words(o.names());
        if (t instanceof Ref r) return type(Language.NAMED.get(r.name()));
        if (t instanceof Layers) return "list of layers";
        if (t instanceof MapOf m) return m.value() instanceof Anything ? "`{name: default}`" : m.value() instanceof Section b && b.name().equals("block") ? "map of blocks" : "map of " + type(m.value());
        if (t instanceof Anything) return "any value";
        throw new IllegalStateException("no text for " + t);
    }

    /** `a`, `b` or `c`. */
    private static String words(List<String> values) {
        List<String> q = values.stream().map(v -> "`" + v + "`").toList();
        return q.size() == 1 ? q.get(0) : String.join(", ", q.subList(0, q.size() - 1)) + " or " + q.get(q.size() - 1);
    }

    /** A default value as YAML: 1e-05 as {@code 1e-5}, lists in brackets. */
    static String value(Object v) {
        if (v instanceof List<?> l) return l.stream().map(KeyTables::value).collect(Collectors.joining(", ", "[", "]"));
        if (v instanceof String s) return s.isEmpty() ? "\"\"" : s;
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
            if (Math.abs(d) < 0.01) { // 5e-3, 1e-8
                int exp = (int) Math.floor(Math.log10(Math.abs(d)));
                BigDecimal m = new BigDecimal(d / Math.pow(10, exp)).round(new java.math.MathContext(4)).stripTrailingZeros();
                return m.toPlainString() + "e" + exp;
            }
            return new BigDecimal(d).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(v);
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }

    /** Markdown to plain text for hover: backticks and bold marks removed. */
    private static String plain(String s) {
        return s.replace("`", "").replace("**", "");
    }
}
