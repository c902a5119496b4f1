package dev.runner.model;

import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.Add;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.Flatten;
import dev.runner.spec.layers.GlobalPool;
import dev.runner.spec.layers.Pool;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.lang.SourcePos;
import java.util.ArrayList;
import java.util.List;

/** Builds expanded ModelSpecs in code, as the spec parser would produce them. */
final class TestSpecs {
    private final List<LayerNode> nodes = new ArrayList<>();
    private String last;

    static TestSpecs create() {
        return new TestSpecs();
    }

    /** Adds a node reading from the previous node (or the network input for the first). */
    TestSpecs add(String name, LayerSpec layer) {
        return addFrom(name, layer, last == null ? new String[0] : new String[] {last});
    }

    TestSpecs addFrom(String name, LayerSpec layer, String... inputs) {
        nodes.add(new LayerNode(name, layer, List.of(inputs), new SourcePos("test.yaml", nodes.size() + 1, 5),
                "model.layers[" + nodes.size() + "]"));
        last = name;
        return this;
    }

    String last() {
        return last;
    }

    ModelSpec build(int... input) {
        return new ModelSpec(input, List.copyOf(nodes), "cross_entropy", last);
    }

    static LayerSpec conv(int filters, int k, int s, int p, boolean bias) {
        return new Conv(filters, new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, new int[] {1, 1},
                bias, null);
    }

    static LayerSpec bn() {
        return new BatchNorm(1e-5, 0.1);
    }

    static LayerSpec relu() {
        return new Activation("relu", 0);
    }

    static LayerSpec maxpool(int k, int s, int p) {
        return new Pool("max", new int[] {k, k}, new int[] {s, s}, new int[] {p, p});
    }

    static LayerSpec avgpool(int k, int s, int p) {
        return new Pool("avg", new int[] {k, k}, new int[] {s, s}, new int[] {p, p});
    }

    static LayerSpec gap() {
        return new GlobalPool("avg");
    }

    static LayerSpec flatten() {
        return new Flatten();
    }

    static LayerSpec dense(int units) {
        return new Dense(units, true, null);
    }

    static LayerSpec add() {
        return new Add();
    }

    /** The report's ResNet9: 4,903,242 trainable parameters. */
    static ModelSpec resnet9() {
        TestSpecs t = create()
                .add("conv1", conv(64, 3, 1, 1, false)).add("bn1", bn()).add("relu", relu())
                .add("maxpool", maxpool(3, 2, 1));
        int in = 64;
        int[][] stages = {{64, 1}, {128, 2}, {256, 2}, {512, 2}};
        for (int i = 0; i < stages.length; i++) {
            int ch = stages[i][0];
            int stride = stages[i][1];
            String p = "layer" + (i + 1) + ".0.";
            String blockIn = t.last();
            t.add(p + "conv1", conv(ch, 3, stride, 1, false)).add(p + "bn1", bn()).add(p + "relu1", relu())
                    .add(p + "conv2", conv(ch, 3, 1, 1, false)).add(p + "bn2", bn());
            String main = t.last();
            String shortcut = blockIn;
            if (stride != 1 || in != ch) {
                t.addFrom(p + "shortcut.0", conv(ch, 1, stride, 0, false), blockIn).add(p + "shortcut.1", bn());
                shortcut = t.last();
            }
            t.addFrom(p + "add", add(), main, shortcut).add(p + "relu2", relu());
            in = ch;
        }
        return t.add("avgpool", gap()).add("fc", dense(10)).build(3, 32, 32);
    }

    /** The PyTorch tutorial CNN: 62,006 trainable parameters, flatten 400 wide. */
    static ModelSpec tutorialCnn() {
        return create()
                .add("conv1", conv(6, 5, 1, 0, true)).add("relu1", relu()).add("pool1", maxpool(2, 2, 0))
                .add("conv2", conv(16, 5, 1, 0, true)).add("relu2", relu()).add("pool2", maxpool(2, 2, 0))
                .add("flatten", flatten())
                .add("fc1", dense(120)).add("relu3", relu())
                .add("fc2", dense(84)).add("relu4", relu())
                .add("fc3", dense(10))
                .build(3, 32, 32);
    }
}
