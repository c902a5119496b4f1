package dev.runner.spec;

import dev.runner.spec.layers.InitSpec;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Pool;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Test helper: a model as comparable text (records holding arrays do not compare by content). */
final class Describe {
    private Describe() {}

    static String model(ModelSpec m) {
        return "input " + Arrays.toString(m.input()) + " loss " + m.loss() + " output "
                + m.output() + "\n" + m.nodes().stream().map(Describe::node).collect(Collectors.joining("\n"));
    }

    static String node(LayerNode n) {
        return n.name() + " " + layer(n.layer()) + " <- " + n.inputs();
    }

    static String layer(LayerSpec l) {
        if (l instanceof Conv c)
            return "conv " + c.filters() + " k" + Arrays.toString(c.kernel()) + " s" + Arrays.toString(c.stride())
                    + " p" + (c.padding() == null ? "same" : Arrays.toString(c.padding())) + " d"
                    + Arrays.toString(c.dilation()) + " bias " + c.bias() + " act " + c.activation() + (c.init() instanceof InitSpec.Pytorch ? "" : " init " + c.init());
        if (l instanceof Pool p)
            return p.kind() + " k" + Arrays.toString(p.kernel()) + " s" + Arrays.toString(p.stride()) + " p"
                    + (p.padding() == null ? "same" : Arrays.toString(p.padding()));
        return l.toString();
    }
}
