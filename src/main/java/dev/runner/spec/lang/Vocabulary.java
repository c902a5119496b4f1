package dev.runner.spec.lang;

import java.util.List;

/**
 * The words the experiment-file language is described in: types with their ranges, keys with defaults and
 * descriptions, sections of keys, and kinds to choose among. The language itself ({@code dev.runner.spec.Language},
 * each layer kind's own file in {@code dev.runner.spec.layers}, each optimizer and schedule in
 * {@code dev.runner.spec.training}) is written in these words; {@link Fields} reads a YAML map against them.
 */
public final class Vocabulary {
    private Vocabulary() {}

    // ---------------------------------------------------------------- the vocabulary

    /** A numeric range with open or closed ends. */
    public record Range(double lo, boolean loOpen, double hi, boolean hiOpen) {
        public static final Range ANY = new Range(Double.NEGATIVE_INFINITY, true, Double.POSITIVE_INFINITY, true);
        public static final Range POSITIVE = new Range(0, true, Double.POSITIVE_INFINITY, true);
        public static final Range NON_NEGATIVE = new Range(0, false, Double.POSITIVE_INFINITY, true);
        public static final Range UNIT = new Range(0, false, 1, false);
        public static final Range UNIT_OPEN_TOP = new Range(0, false, 1, true);

        /** null when {@code x} is in range, else what is wrong ("must be > 0"). */
        public String check(double x) {
            if (!Double.isFinite(x)) return "must be a finite number";
            boolean ok = (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
            return ok ? null : "must be " + text();
        }

        /** "> 0", "in [0, 1)", "" for any number. */
        public String text() {
            boolean noLo = Double.isInfinite(lo), noHi = Double.isInfinite(hi);
            if (noLo && noHi) return "";
            if (noHi) return (loOpen ? "> " : ">= ") + fmt(lo);
            if (noLo) return (hiOpen ? "< " : "<= ") + fmt(hi);
            return "in " + (loOpen ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hiOpen ? ")" : "]");
        }
    }

    /** What a value may be. */
    public sealed interface Type {}

    /** An integer in [min, max] (a number with an integral value such as {@code 1e3} counts). */
    public record Int(long min, long max) implements Type {}

    /** A number in a range. */
    public record Num(Range range) implements Type {}

    public record Bool() implements Type {}

    /** Text, optionally matching {@code pattern} (a Java and ECMA regular expression; null = any). */
    public record Text(String pattern, String what) implements Type {}

    /** One of fixed words. */
    public record Enum(List<String> values) implements Type {}

    /** A number for both sides or {@code [height, width]}, each >= min. */
    public record Pair(int min) implements Type {}

    /** A padding: a {@link Pair} (>= 0), {@code same} or {@code valid}. */
    public record Padding() implements Type {}

    /** A list of {@code item}, with at least {@code minItems} and at most {@code maxItems} (-1 = any) items. */
    public record ListOf(Type item, int minItems, int maxItems) implements Type {}

    /** Any of the alternatives (tried in order). */
    public record AnyOf(List<Type> options) implements Type {}

    /** A map of fixed keys. */
    public record Section(String name, String doc, List<Key> keys) implements Type {
        public Key key(String k) {
            for (Key key : keys) if (key.name().equals(k)) return key;
            throw new IllegalArgumentException("no key `" + k + "` in " + name);
        }

        public List<String> names() {
            return keys.stream().map(Key::name).toList();
        }
    }

    /** One of several kinds, written {@code kind} or {@code kind: args} (or {@code kind: value} with a shorthand). */
    public record OneOf(String name, String doc, List<Kind> kinds) implements Type {
        public Kind kind(String k) {
            for (Kind kind : kinds) if (kind.name().equals(k)) return kind;
            throw new IllegalArgumentException("no kind `" + k + "` in " + name);
        }

        public List<String> names() {
            return kinds.stream().map(Kind::name).toList();
        }
    }

    /** A named type defined elsewhere in the language (for recursion: a schedule's {@code then} is a schedule). */
    public record Ref(String name) implements Type {}

    /** A list of layers: built-in kinds, {@code repeat}, block uses, each with optional {@code name} and {@code inputs}. */
    public record Layers() implements Type {}

    /** A map from names to {@code value}: the blocks, a parameter's {@code {name: default}}. */
    public record MapOf(Type value) implements Type {}

    /** Any value (a block parameter's default). */
    public record Anything() implements Type {}

    /**
     * One key. {@code dflt} is the value used when the key is absent (null: none, or see {@code dfltText}),
     * {@code dfltText} how the docs say the default when it is not a plain value.
     */
    public record Key(String name, Type type, Object dflt, boolean required, String dfltText, String doc,
                      String example) {
        public Key example(String e) {
            return new Key(name, type, dflt, required, dfltText, doc, e);
        }
    }

    /** A kind of a {@link OneOf}: its arguments, the argument a bare value sets ({@code pad: 4}), and what it does. */
    public record Kind(String name, Section args, String shorthand, String doc) {}

    // ---------------------------------------------------------------- building helpers

    public static Key key(String name, Type t, Object dflt, String doc) {
        return new Key(name, t, dflt, false, null, doc, null);
    }

    public static Key required(String name, Type t, String doc) {
        return new Key(name, t, null, true, null, doc, null);
    }

    /** An optional key without a default value; {@code dfltText} says what its absence means. */
    public static Key optional(String name, Type t, String dfltText, String doc) {
        return new Key(name, t, null, false, dfltText, doc, null);
    }

    public static Section section(String name, String doc, Key... keys) {
        return new Section(name, doc, List.of(keys));
    }

    public static Kind kind(String name, String shorthand, String doc, Key... args) {
        return new Kind(name, section(name, doc, args), shorthand, doc);
    }

    public static Int integer(long min, long max) {
        return new Int(min, max);
    }

    public static Num num(Range r) {
        return new Num(r);
    }

    public static Enum oneOfWords(List<String> values) {
        return new Enum(values);
    }

    public static Enum oneOfWords(String... values) {
        return new Enum(List.of(values));
    }

    public static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    // ---------------------------------------------------------------- common types

    public static final Bool BOOL = new Bool();
    public static final Text TEXT = new Text(null, null);
    /** An experiment name: used as a folder name. */
    public static final Text EXPERIMENT_NAME = new Text("^[A-Za-z0-9][A-Za-z0-9_.-]*$",
            "a name of letters, digits, `_ . -` (used as a folder name)");
    /** A layer, block or parameter name. */
    public static final Text NAME = new Text("^[A-Za-z_][A-Za-z0-9_]*$", "a name of letters, digits and `_`");
    public static final Range OPEN_UNIT = new Range(0, true, 1, true);
}
