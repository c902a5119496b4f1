package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.Arrays;
import java.util.LinkedHashMap;
import dev.runner.spec.lang.Fields;
import dev.runner.spec.lang.YNode;
import dev.runner.spec.lang.YNode.YScalar;

/** What several layer kinds share: keys (activation, init), reading pairs and paddings, the window arithmetic. */
final class LayerArgs {
    private LayerArgs() {}

    /** A conv or dense layer's {@code activation:}. */
    static Key activationKey() {
        return optional("activation", oneOfWords(Activation.NAMES), "none",
                "applied to the output; the same as the activation layer after it (leaky_relu with alpha 0.01)");
    }

    /** A conv or dense layer's {@code init:}. */
    static Key initKey() {
        return optional("init", new Ref("init"), "the model's `init`", "how the weights are drawn (see `init`)");
    }

    /** The {@code activation:} read, null for none. */
    static String activation(Fields f) {
        return f.has("activation") ? f.getEnum("activation") : null;
    }

    /** A conv or dense layer's {@code init:}, else the model's. */
    static InitSpec init(Fields f, InitSpec modelInit) {
        return f.has("init") ? InitSpec.read(f.node("init"), f.at("init"), new LinkedHashMap<>()) : modelInit;
    }

    /** A number or [height, width] key: its value, else its default (both sides), else it is required. */
    static int[] pair(Fields f, String key) {
        Key k = f.key(key);
        int min = ((Pair) k.type()).min();
        if (k.required()) return Fields.toPair(f.required(key), f.at(key), min);
        if (f.has(key)) return Fields.toPair(f.node(key), f.at(key), min);
        int d = ((Number) k.dflt()).intValue();
        return new int[] {d, d};
    }

    /** padding: a number, [height, width] or {@code same} (null). */
    static int[] padding(Fields f) {
        YNode p = f.node("padding");
        if (p == null) return new int[] {0, 0};
        if (p instanceof YScalar s && "same".equals(s.value())) return null;
        if (p instanceof YScalar s && "valid".equals(s.value())) return new int[] {0, 0};
        if (p instanceof YScalar s && s.value() instanceof String)
            throw Fields.err(p, f.at("padding"), "expected a number, [height, width], same or valid, got " + YNode.describe(p));
        return Fields.toPair(p, f.at("padding"), 0);
    }

    /**
     * floor((in + 2p - d(k-1) - 1) / s) + 1, or ceil(in / s) for {@code same} (pad < 0); {@code window} names the
     * kernel in messages ("kernel 3x3"), {@code x} is the input shape.
     */
    static int window(int in, int k, int s, int pad, int dil, String window, int[] x) {
        if (pad < 0) return (in + s - 1) / s;
        int span = dil * (k - 1) + 1;
        if (span > in + 2 * pad)
            throw new ShapeException(window + " does not fit the " + x[1] + "x" + x[2] + " input"
                    + (pad > 0 ? " padded by " + pad : ""));
        return (in + 2 * pad - span) / s + 1;
    }

    /** The input must be an image. */
    static void image(int[] x, String what) {
        if (x.length != 3) throw new ShapeException(what + " needs a [channels, height, width] input, got " + str(x));
    }

    static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
