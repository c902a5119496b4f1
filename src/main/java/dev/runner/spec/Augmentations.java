package dev.runner.spec;

import dev.runner.spec.lang.Fields;
import dev.runner.spec.lang.Fields.Choice;
import dev.runner.spec.lang.Vocabulary;
import dev.runner.spec.lang.YNode;
import dev.runner.spec.lang.YNode.YList;
import dev.runner.spec.lang.YNode.YScalar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code data.augment}: each transform's arguments through {@link Language#AUGMENT}, a single number for a
 * range expanded the way torchvision expands it, and the image size followed through the list so that a crop that
 * does not fit is reported at its line.
 */
final class Augmentations {
    /** The transforms, their resolved form, and the image size after them (null when the data does not say). */
    record Result(List<TransformSpec> transforms, List<Object> resolved, int[] size) {}

    private Augmentations() {}

    /** @param size {@code [height, width]} of the stored images, or null when only the files know it */
    static Result read(YNode list, String path, int channels, int[] size) {
        List<TransformSpec> out = new ArrayList<>();
        List<Object> resolved = new ArrayList<>();
        if (list == null) {
            return new Result(out, resolved, size);
        }
        List<YNode> items = Fields.toList(list, path);
        for (int i = 0; i < items.size(); i++) {
            Choice t = Fields.choice(items.get(i), path + "[" + i + "]", Language.AUGMENT);
            Fields a = Fields.args(t, Language.AUGMENT);
            TransformSpec ts = transform(t, a, channels, size);
            if (!out.isEmpty() && out.get(out.size() - 1) instanceof TransformSpec.RandomErasing
                    && !(ts instanceof TransformSpec.RandomErasing)) {
                throw Fields.err(items.get(i), t.path(), "random_erasing works on the normalised image, as"
                        + " torchvision's after Normalize: put it after every other transform");
            }
            if (size != null) {
                size = ts.outputSize(size[0], size[1]);
            }
            out.add(ts);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(t.kind(), a.out);
            resolved.add(m);
        }
        return new Result(out, resolved, size);
    }

    private static TransformSpec transform(Choice t, Fields a, int channels, int[] size) {
        switch (t.kind()) {
            case "pad" -> {
                return new TransformSpec.Pad(a.getInt("size"), a.getEnum("mode"));
            }
            case "random_crop" -> {
                int s = a.getInt("size");
                if (size != null && (s > size[0] || s > size[1]))
                    throw Fields.err(a.node("size"), a.at("size"), "a " + s + "x" + s + " crop does not fit the "
                            + size[0] + "x" + size[1] + " images");
                return new TransformSpec.RandomCrop(s);
            }
            case "horizontal_flip" -> {
                return new TransformSpec.HorizontalFlip(a.getDouble("p"), a.getBool("alternate"));
            }
            case "cutout" -> {
                return new TransformSpec.Cutout(a.getInt("size"));
            }
            case "color_jitter" -> {
                return new TransformSpec.ColorJitter(factor(a, "brightness"), factor(a, "contrast"),
                        factor(a, "saturation"), hue(a));
            }
            case "random_resized_crop" -> {
                int[] hw = Fields.toPair(a.required("size"), a.at("size"), 1);
                a.put("size", hw[0] == hw[1] ? (Object) hw[0] : List.of(hw[0], hw[1]));
                return new TransformSpec.RandomResizedCrop(hw[0], hw[1], increasing(a, "scale"),
                        increasing(a, "ratio"), a.getEnum("interpolation"));
            }
            case "random_rotation" -> {
                return new TransformSpec.RandomAffine(symmetric(a, "degrees"), null, null, null,
                        a.getEnum("interpolation"), fill(a, channels), true);
            }
            case "random_affine" -> {
                double[] degrees = symmetric(a, "degrees");
                double[] translate = a.has("translate") ? list(a, "translate") : a.put("translate", null);
                double[] scale = a.has("scale") ? increasing(a, "scale") : a.put("scale", null);
                double[] shear = a.has("shear") ? shear(a) : a.put("shear", null);
                return new TransformSpec.RandomAffine(degrees, translate, scale, shear, a.getEnum("interpolation"),
                        fill(a, channels), false);
            }
            case "random_erasing" -> {
                double p = a.getDouble("p");
                double[] scale = increasing(a, "scale");
                double[] ratio = increasing(a, "ratio");
                return new TransformSpec.RandomErasing(p, scale, ratio, erasingValue(a, channels));
            }
            default -> throw new IllegalStateException("augment kind " + t.kind());
        }
    }

    /**
     * A key's value, a number or a list of numbers, as an array (the key's default when absent), checked against the
     * key's type and recorded as written.
     */
    private static double[] numbers(Fields a, String key) {
        YNode n = a.node(key);
        if (n == null) {
            Object d = a.key(key).dflt();
            a.put(key, d);
            if (d instanceof List<?> l) return l.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
            return new double[] {((Number) d).doubleValue()};
        }
        check(n, a.at(key), a.key(key).type());
        if (n instanceof YList) {
            List<Double> v = Fields.toDoubles(n, a.at(key), Vocabulary.Range.ANY);
            a.put(key, v);
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        }
        double v = Fields.toDouble(n, a.at(key), Vocabulary.Range.ANY);
        a.put(key, v);
        return new double[] {v};
    }

    /** The node of {@code key} for an error message (the section when absent). */
    private static YNode at(Fields a, String key) {
        YNode n = a.node(key);
        return n == null ? a.map : n;
    }

    /** Checks {@code n} against {@code type}'s ranges (a number or list alternative). */
    private static void check(YNode n, String path, Vocabulary.Type type) {
        if (type instanceof Vocabulary.AnyOf any) {
            for (Vocabulary.Type t : any.options()) {
                if (t instanceof Vocabulary.ListOf l && n instanceof YList list) {
                    int k = list.items().size();
                    if (k < l.minItems() || l.maxItems() >= 0 && k > l.maxItems())
                        throw Fields.err(n, path, "expected " + (l.minItems() == l.maxItems() ? l.minItems()
                                : l.minItems() + " to " + l.maxItems()) + " numbers, got " + k);
                    if (l.item() instanceof Vocabulary.Num num)
                        Fields.toDoubles(n, path, num.range());
                    return;
                }
                if (t instanceof Vocabulary.Num num && n instanceof YScalar s && s.value() instanceof Number) {
                    Fields.toDouble(n, path, num.range());
                    return;
                }
                if (t instanceof Vocabulary.Enum e && n instanceof YScalar s && s.value() instanceof String) {
                    Fields.toEnum(n, path, e.values());
                    return;
                }
            }
            throw Fields.err(n, path, "expected a number or a list of numbers, got " + YNode.describe(n));
        }
        if (type instanceof Vocabulary.ListOf l) {
            Fields.toDoubles(n, path, ((Vocabulary.Num) l.item()).range());
        }
    }

    /** ColorJitter's brightness, contrast, saturation: f becomes [max(0, 1 - f), 1 + f]; [1, 1] means off. */
    private static double[] factor(Fields a, String key) {
        YNode n = at(a, key);
        double[] v = numbers(a, key);
        double[] r = v.length == 1 ? new double[] {Math.max(0, 1 - v[0]), 1 + v[0]} : v;
        if (r[0] > r[1]) throw Fields.err(n, a.at(key), "[min, max] needs min <= max, got " + list(r));
        return r[0] == 1 && r[1] == 1 ? null : r;
    }

    /** ColorJitter's hue: h becomes [-h, h]; [0, 0] means off. */
    private static double[] hue(Fields a) {
        YNode n = at(a, "hue");
        double[] v = numbers(a, "hue");
        double[] r = v.length == 1 ? new double[] {-v[0], v[0]} : v;
        if (r[0] > r[1]) throw Fields.err(n, a.at("hue"), "[min, max] needs min <= max, got " + list(r));
        return r[0] == 0 && r[1] == 0 ? null : r;
    }

    /** Degrees: d becomes [-d, d]. */
    private static double[] symmetric(Fields a, String key) {
        YNode n = a.required(key);
        double[] v = numbers(a, key);
        double[] r = v.length == 1 ? new double[] {-v[0], v[0]} : v;
        if (r[0] > r[1]) throw Fields.err(n, a.at(key), "[min, max] needs min <= max, got " + list(r));
        return r;
    }

    private static double[] list(Fields a, String key) {
        return numbers(a, key);
    }

    private static double[] increasing(Fields a, String key) {
        YNode n = at(a, key);
        double[] r = numbers(a, key);
        if (r[0] > r[1]) throw Fields.err(n, a.at(key), "[min, max] needs min <= max, got " + list(r));
        return r;
    }

    /** RandomAffine's shear: s becomes [-s, s] for x; 2 values: x; 4 values: x then y. */
    private static double[] shear(Fields a) {
        YNode n = at(a, "shear");
        double[] v = numbers(a, "shear");
        if (v.length == 3) throw Fields.err(n, a.at("shear"), "expected 1, 2 or 4 numbers, got 3");
        double[] r = v.length == 1 ? new double[] {-v[0], v[0]} : v;
        for (int i = 0; i + 1 < r.length; i += 2) {
            if (r[i] > r[i + 1]) throw Fields.err(n, a.at("shear"), "each [min, max] needs min <= max, got " + list(r));
        }
        return r;
    }

    private static double[] fill(Fields a, int channels) {
        YNode n = at(a, "fill");
        double[] v = numbers(a, "fill");
        if (v.length != 1 && v.length != channels)
            throw Fields.err(n, a.at("fill"), "needs 1 or " + channels + " values (one per channel), got " + v.length);
        return v;
    }

    /** RandomErasing's value: null for {@code random}. */
    private static double[] erasingValue(Fields a, int channels) {
        YNode n = at(a, "value");
        if (n instanceof YScalar s && "random".equals(s.value())) {
            a.put("value", "random");
            return null;
        }
        double[] v = numbers(a, "value");
        if (v.length != 1 && v.length != channels)
            throw Fields.err(n, a.at("value"), "needs 1 or " + channels + " values (one per channel), got " + v.length);
        return v;
    }

    private static String list(double[] r) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < r.length; i++) sb.append(i == 0 ? "" : ", ").append(Vocabulary.fmt(r[i]));
        return sb.append("]").toString();
    }
}
