package dev.runner.spec;

import dev.runner.spec.lang.SourcePos;
import dev.runner.spec.layers.InitSpec;
import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.Dropout;
import dev.runner.spec.layers.GlobalPool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing, numbers, defaults, extends, --set, the model language and its naming rule. */
class LoaderTest {
    @TempDir
    Path dir;
    Yamls y;

    @BeforeEach
    void setUp() {
        y = new Yamls(dir);
    }

    static List<String> names(Experiment e) {
        return e.model().nodes().stream().map(LayerNode::name).toList();
    }

    @Test
    void numbersAsPeopleWriteThem() {
        assertThat(YamlReader.typed("5e-3")).isEqualTo(0.005);
        assertThat(YamlReader.typed("1e-7")).isEqualTo(1e-7);
        assertThat(YamlReader.typed("5.0e-3")).isEqualTo(0.005);
        assertThat(YamlReader.typed("1E3")).isEqualTo(1000.0);
        assertThat(YamlReader.typed("-2.5e+2")).isEqualTo(-250.0);
        assertThat(YamlReader.typed(".5")).isEqualTo(0.5);
        assertThat(YamlReader.typed("1_000")).isEqualTo(1000L);
        assertThat(YamlReader.typed("64")).isEqualTo(64L);
        assertThat(YamlReader.typed("true")).isEqualTo(true);
        assertThat(YamlReader.typed("~")).isNull();
        assertThat(YamlReader.typed("yes")).isEqualTo("yes");
        assertThat(YamlReader.typed("e5")).isEqualTo("e5");
        assertThat(YamlReader.typed("1.2.3")).isEqualTo("1.2.3");
        Experiment e = y.load(Yamls.BASE.replace("lr: 0.1", "lr: 5e-3, weight_decay: 3.2e-2") + "epochs: 1e1\n");
        assertThat(e.optimizer().lr()).isEqualTo(0.005);
        assertThat(e.optimizer().weightDecay()).isEqualTo(0.032);
        assertThat(e.epochCount()).isEqualTo(10);
    }

    @Test
    void quotedStringsStayStrings() {
        Experiment e = y.load(Yamls.BASE + "name: \"1e3\"\ndescription: '42'\n");
        assertThat(e.name()).isEqualTo("1e3");
        assertThat(e.description()).isEqualTo("42");
    }

    @Test
    void defaultsAreFilledInCanonicalOrder() {
        Experiment e = y.load(Yamls.BASE);
        assertThat(e.name()).isEqualTo("t");
        assertThat(e.seed()).isEqualTo(42);
        assertThat(e.epochCount()).isEqualTo(1);
        assertThat(e.data().dataset()).isEqualTo(new DataSpec.Cifar10(DataSpec.Cifar10.DEFAULT_URL,
                DataSpec.Cifar10.DEFAULT_MD5));
        assertThat(e.data().batchSize()).isEqualTo(64);
        assertThat(e.data().testBatchSize()).isEqualTo(256);
        assertThat(e.data().shuffle()).isTrue();
        assertThat(e.data().augment()).isEmpty();
        assertThat(e.data().normalize()).isNull();
        assertThat(e.model().nodes()).allSatisfy(n -> assertThat(n.layer() instanceof Dense d ? d.init()
                : InitSpec.PYTORCH).isEqualTo(InitSpec.PYTORCH));
        assertThat(e.model().loss()).isEqualTo("cross_entropy");
        assertThat(e.optimizer()).isEqualTo(new OptimizerSpec("sgd", 0.1, null, 0, 0, false, 0, 0, 0, 0));
        assertThat(e.schedule()).isEqualTo(new ScheduleSpec.Constant());
        assertThat(e.lrRangeTest()).isNull();
        assertThat(e.evaluate()).isEqualTo(new EvaluateSpec(false, true));
        assertThat(e.visualize()).isEqualTo(new VisualizeSpec(List.of(), 2, List.of()));
        assertThat(e.checkpoint()).isEqualTo(new CheckpointSpec(1));
        assertThat(e.resolved().keySet()).containsExactlyElementsOf(ExperimentLoader.resolvedKeys());
        assertThat((Map<?, ?>) e.resolved().get("optimizer")).isEqualTo(Map.of("sgd",
                Map.of("lr", 0.1, "momentum", 0.0, "dampening", 0.0, "nesterov", false, "weight_decay", 0.0)));
        assertThat(SpecWriter.toYaml(e.resolved())).startsWith("name: t\ndescription: \"\"\nseed: 42\nepochs: 1\ndata:\n");
    }

    @Test
    void optimizersAndLrFromRangeTest() {
        Experiment adam = y.load(Yamls.BASE.replace("sgd: {lr: 0.1}", "adam: {}"));
        assertThat(adam.optimizer()).isEqualTo(new OptimizerSpec("adam", 1e-3, null, 0, 0, false, 0, 0.9, 0.999, 1e-8));
        Experiment adamw = y.load(Yamls.BASE.replace("sgd: {lr: 0.1}", "adamw: {lr: 3e-4, betas: [0.8, 0.99]}"));
        assertThat(adamw.optimizer()).isEqualTo(new OptimizerSpec("adamw", 3e-4, null, 0, 0, false, 0.01, 0.8, 0.99, 1e-8));
        Experiment from = y.load(Yamls.BASE.replace("lr: 0.1", "lr: {from_range_test: resnet9_lrfind}, momentum: 0.9"));
        assertThat(from.optimizer().lr()).isNaN();
        assertThat(from.optimizer().lrFromRangeTest()).isEqualTo("resnet9_lrfind");
        assertThat(from.optimizer().momentum()).isEqualTo(0.9);
    }

    @Test
    void everyScheduleKind() {
        assertThat(y.load(Yamls.BASE + "schedule: {cosine: {eta_min: 1e-5, epochs: 10}}").schedule())
                .isEqualTo(new ScheduleSpec.Cosine(1e-5, 10.0));
        assertThat(y.load(Yamls.BASE + "schedule: {step: {every: 8, gamma: 0.5}}").schedule())
                .isEqualTo(new ScheduleSpec.Step(8, 0.5));
        assertThat(y.load(Yamls.BASE + "schedule: {multistep: [10, 20]}").schedule())
                .isEqualTo(new ScheduleSpec.MultiStep(List.of(10.0, 20.0), 0.1));
        assertThat(y.load(Yamls.BASE + "schedule: {exponential: 0.9}").schedule())
                .isEqualTo(new ScheduleSpec.Exponential(0.9));
        ScheduleSpec.Piecewise p = (ScheduleSpec.Piecewise) y.load(Yamls.BASE
                + "schedule: {piecewise: {points: [[0, 0.0], [5, 0.1], [24, 0]]}}").schedule();
        assertThat(p.points()).extracting(a -> a[0] + ":" + a[1]).containsExactly("0.0:0.0", "5.0:0.1", "24.0:0.0");
        assertThat(y.load(Yamls.BASE + "schedule: {linear_warmup: {epochs: 1, start_factor: 0.1, then: {cosine: {}}}}")
                .schedule()).isEqualTo(new ScheduleSpec.LinearWarmup(1, 0.1, new ScheduleSpec.Cosine(0, null)));
        assertThat(y.load(Yamls.BASE + "schedule: {linear_warmup: {epochs: 2}}").schedule())
                .isEqualTo(new ScheduleSpec.LinearWarmup(2, 1.0 / 3, new ScheduleSpec.Constant()));
    }

    @Test
    void dataSection() {
        Experiment e = y.load(Yamls.BASE + """
                data:
                  batch_size: 128
                  shuffle: false
                  augment: [{pad: {size: 2, mode: reflect}}, {random_crop: 32}, horizontal_flip, {cutout: 8}]
                  normalize: {mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616]}
                """);
        assertThat(e.data().batchSize()).isEqualTo(128);
        assertThat(e.data().shuffle()).isFalse();
        assertThat(e.data().augment()).containsExactly(new TransformSpec.Pad(2, "reflect"),
                new TransformSpec.RandomCrop(32), new TransformSpec.HorizontalFlip(0.5), new TransformSpec.Cutout(8));
        assertThat(e.data().normalize().std()).containsExactly(0.247, 0.2435, 0.2616);
        Experiment f = y.load(Yamls.BASE.replace("[3, 32, 32]", "[3, 24, 24]")
                + "data: {dataset: {imagefolder: {path: pics, resize: [24, 24]}}}\n");
        assertThat(f.data().dataset()).isInstanceOf(DataSpec.ImageFolder.class);
        DataSpec.ImageFolder folder = (DataSpec.ImageFolder) f.data().dataset();
        assertThat(folder.path()).isEqualTo(dir.resolve("pics").toAbsolutePath());
        assertThat(folder.resize()).containsExactly(24, 24);
    }

    @Test
    void lrRangeTestAndVisualize() {
        Experiment e = y.load(Yamls.BASE.replace("[flatten, {dense: 10}]", "[conv: {filters: 4, kernel: 3}, flatten, {dense: 10}]")
                + "lr_range_test: {}\nvisualize: {feature_maps: {layers: [conv1], indices: [0, 7]}}\n");
        assertThat(e.lrRangeTest()).isEqualTo(new LrRangeTestSpec(1e-7, 10, 100, "exp", 0.05, 5));
        assertThat(e.visualize()).isEqualTo(new VisualizeSpec(List.of("conv1"), 2, List.of(0, 7)));
    }

    @Test
    void extendsMergesMapsDeepReplacesListsAndKeepsPositions() {
        y.write("base.yaml", """
                name: base
                epochs: 5
                data: {batch_size: 32, augment: [{pad: 4}, {random_crop: 32}]}
                model: {input: [3, 32, 32], layers: [flatten, {dense: 10}]}
                optimizer: {sgd: {lr: 0.1, momentum: 0.9}}
                """);
        y.write("mid.yaml", "extends: base.yaml\nepochs: 7\noptimizer: {sgd: {weight_decay: 5e-4}}\n");
        Experiment e = y.load("""
                extends: mid.yaml
                data: {augment: [horizontal_flip]}
                optimizer: {sgd: {lr: 0.05}}
                """);
        assertThat(e.name()).isEqualTo("t");
        assertThat(e.epochCount()).isEqualTo(7);
        assertThat(e.data().batchSize()).isEqualTo(32);
        assertThat(e.data().augment()).containsExactly(new TransformSpec.HorizontalFlip(0.5));
        assertThat(e.optimizer()).isEqualTo(new OptimizerSpec("sgd", 0.05, null, 0.9, 0, false, 5e-4, 0, 0, 0));
        assertThat(e.model().nodes().get(1).pos()).isEqualTo(new SourcePos(dir.resolve("base.yaml").toString(), 4, 47));

        y.write("bad.yaml", "epochs: 0\n");
        assertThatThrownBy(() -> y.load("extends: bad.yaml\n" + Yamls.BASE))
                .hasMessage(dir.resolve("bad.yaml") + ":1:9: epochs: must be in (0, 100000], got 0");
    }

    @Test
    void extendsErrors() {
        y.write("a.yaml", "extends: b.yaml\n");
        y.write("b.yaml", "extends: a.yaml\n");
        assertThatThrownBy(() -> ExperimentLoader.load(dir.resolve("a.yaml")))
                .hasMessage(dir.resolve("b.yaml") + ":1:10: extends: cycle: a.yaml -> b.yaml -> a.yaml");
        assertThatThrownBy(() -> y.load("extends: nothere.yaml\n"))
                .hasMessage(dir.resolve("t.yaml") + ":1:10: extends: file not found: " + dir.resolve("nothere.yaml"));
    }

    @Test
    void overridesApplyAndAreValidated() {
        assertThat(y.load(Yamls.BASE + "epochs: 9.9\n").epochs()).isEqualTo(9.9);
        assertThat(SpecWriter.toYaml(y.load(Yamls.BASE + "epochs: 9.9\n").resolved())).contains("\nepochs: 9.9\n");
        Experiment e = y.load(Yamls.BASE, "epochs=3", "optimizer.sgd.lr=1e-2", "model.layers[1].dense=5",
                "data.augment=[{pad: 2}, {random_crop: 32}]", "name=other", "data.normalize={mean: [0, 0, 0], std: [1, 1, 1]}");
        assertThat(e.epochCount()).isEqualTo(3);
        assertThat(e.optimizer().lr()).isEqualTo(0.01);
        assertThat(Shapes.infer(e.model()).get("fc1")).containsExactly(5);
        assertThat(e.data().augment()).containsExactly(new TransformSpec.Pad(2, "zero"), new TransformSpec.RandomCrop(32));
        assertThat(e.name()).isEqualTo("other");
        assertThat(e.data().normalize().mean()).containsExactly(0, 0, 0);
        Experiment adam = y.load(Yamls.BASE, "optimizer={adam: {lr: 1e-4}}");
        assertThat(adam.optimizer().type()).isEqualTo("adam");
        assertThat(adam.resolved().get("optimizer")).isEqualTo(Map.of("adam",
                Map.of("lr", 1e-4, "betas", List.of(0.9, 0.999), "eps", 1e-8, "weight_decay", 0.0)));
    }

    @Test
    void aScaleLayerMultipliesByItsFactor() {
        Experiment e = y.load(Yamls.model("    - flatten\n    - dense: 10\n    - scale: 0.1111\n"));
        assertThat(e.model().nodes().get(2).layer()).isEqualTo(new dev.runner.spec.layers.Scale(0.1111));
        assertThat(e.model().nodes().get(2).name()).isEqualTo("scale1");
        assertThat(Shapes.infer(e.model()).get("scale1")).containsExactly(10);
        y.fails(Yamls.model("    - flatten\n    - dense: 10\n    - scale\n"), "6:7",
                "model.layers[2].scale: missing required key `factor`");
    }

    @Test
    void trainableFreezesLayersOrParametersOrTrainsThemForTheFirstEpochs() {
        Experiment e = y.load(Yamls.model("""
                    - {conv: {filters: 8, kernel: 2}, trainable: {weight: false, bias: 3}}
                    - {batchnorm, trainable: {weight: false}}
                    - relu
                    - flatten
                    - {dense: 10, trainable: false}
                """));
        List<LayerNode> n = e.model().nodes();
        assertThat(n.get(0).trainable()).isEqualTo(Map.of("weight", 0, "bias", 3));
        assertThat(n.get(0).frozen("weight")).isTrue();
        assertThat(n.get(0).frozen("bias")).isFalse();
        assertThat(n.get(1).trainable()).isEqualTo(Map.of("weight", 0));
        assertThat(n.get(2).trainable()).isEmpty();
        assertThat(n.get(4).trainable()).isEqualTo(Map.of("weight", 0, "bias", 0));
        assertThat(y.load(Yamls.model("    - flatten\n    - {dense: 10, trainable: 2}\n")).model().nodes().get(1).trainable())
                .isEqualTo(Map.of("weight", 2, "bias", 2));
        assertThat(y.load(Yamls.model("    - flatten\n    - {dense: 10, trainable: true}\n")).model().nodes().get(1).trainable())
                .isEmpty();
        Experiment g = y.load(Yamls.model("    - {batchnorm, lr_scale: {bias: 64}, weight_decay_scale: {bias: 0.015625}}\n"
                + "    - flatten\n    - {dense: 10, lr_scale: 0.5}\n"));
        assertThat(g.model().nodes().get(0).lrScale()).isEqualTo(Map.of("bias", 64.0));
        assertThat(g.model().nodes().get(0).weightDecayScale()).isEqualTo(Map.of("bias", 0.015625));
        assertThat(g.model().nodes().get(2).lrScale()).isEqualTo(Map.of("weight", 0.5, "bias", 0.5));
        assertThat(g.model().nodes().get(2).hasParamRules()).isTrue();
        assertThat(g.model().nodes().get(1).hasParamRules()).isFalse();
        y.fails(Yamls.model("    - {relu, trainable: false}\n    - dense: 10\n"), "4:25",
                "model.layers[0].trainable: `relu` has no parameters to train or freeze");
        y.fails(Yamls.model("    - flatten\n    - {dense: {units: 10, bias: false}, trainable: {bias: false}}\n"), "5:53",
                "model.layers[1].trainable.bias: unknown parameter `bias`; expected one of weight");
        y.fails(Yamls.model("    - flatten\n    - {dense: 10, trainable: -1}\n"), "5:30",
                "model.layers[1].trainable: must be between 0 and 100000, got -1");
    }

    @Test
    void flatListNamesCountPerType() {
        Experiment e = y.load(Yamls.model("""
                    - conv: {filters: 8, kernel: 3, padding: same}
                    - batchnorm: {eps: 1e-3, momentum: 0.01}
                    - leaky_relu: 0.2
                    - maxpool: 2
                    - conv: {filters: 8, kernel: [3, 1], padding: [1, 0], stride: [2, 1], dilation: 1, bias: false}
                    - avgpool: {kernel: 2, stride: 1}
                    - gelu
                    - global_maxpool
                    - dropout: 0.25
                    - dense: {units: 16, activation: tanh}
                    - sigmoid
                    - dense: {units: 10, bias: false}
                """));
        assertThat(names(e)).containsExactly("conv1", "bn1", "leaky_relu1", "maxpool1", "conv2", "avgpool1", "gelu1",
                "global_maxpool1", "dropout1", "fc1", "sigmoid1", "fc2");
        List<LayerNode> n = e.model().nodes();
        assertThat(Describe.node(n.get(0))).isEqualTo("conv1 conv 8 k[3, 3] s[1, 1] psame d[1, 1] bias true act null <- []");
        assertThat(n.get(1).layer()).isEqualTo(new BatchNorm(1e-3, 0.01));
        assertThat(n.get(2).layer()).isEqualTo(new Activation("leaky_relu", 0.2));
        assertThat(Describe.layer(n.get(3).layer())).isEqualTo("maxpool k[2, 2] s[2, 2] p[0, 0]");
        assertThat(Describe.layer(n.get(4).layer())).isEqualTo("conv 8 k[3, 1] s[2, 1] p[1, 0] d[1, 1] bias false act null");
        assertThat(n.get(7).layer()).isEqualTo(new GlobalPool("max"));
        assertThat(n.get(8).layer()).isEqualTo(new Dropout(0.25));
        assertThat(n.get(9).layer()).isEqualTo(new Dense(16, true, "tanh"));
        assertThat(n.get(11).inputs()).containsExactly("sigmoid1");
        assertThat(n.get(4).path()).isEqualTo("model.layers[4]");
        assertThat(e.model().output()).isEqualTo("fc2");
        assertThat(Shapes.infer(e.model()).get("avgpool1")).containsExactly(8, 7, 15);
    }

    @Test
    void blockUsesArePrefixedAndNamedUsesOverrideThePrefix() {
        Experiment e = y.load("""
                model:
                  input: [3, 8, 8]
                  blocks:
                    unit:
                      params: [c]
                      residual:
                        main: [{conv: {filters: $c, kernel: 3, padding: 1}}, relu]
                        shortcut: [{conv: {filters: $c, kernel: 1}}]
                    plain:
                      params: [c, {k: 3}]
                      layers: [{conv: {filters: $c, kernel: $k, padding: same}}, relu]
                  layers:
                    - unit: 4
                    - {unit: {c: 4}, name: layer1}
                    - {plain: {c: 6}}
                    - {plain: {c: 6, k: 1}}
                    - flatten
                    - dense: 10
                optimizer: {sgd: {lr: 0.1}}
                data: {dataset: {imagefolder: {path: x}}}
                """);
        assertThat(names(e)).containsExactly("unit1.conv1", "unit1.relu1", "unit1.shortcut.conv1", "unit1.add",
                "layer1.conv1", "layer1.relu1", "layer1.shortcut.conv1", "layer1.add", "plain1.conv1", "plain1.relu1",
                "plain2.conv1", "plain2.relu1", "flatten1", "fc1");
        LayerNode add = e.model().nodes().get(3);
        assertThat(add.inputs()).containsExactly("unit1.relu1", "unit1.shortcut.conv1");
        assertThat(e.model().nodes().get(2).inputs()).isEmpty(); // the shortcut reads the network input
        assertThat(e.model().nodes().get(6).inputs()).containsExactly("unit1.add");
        assertThat(e.model().nodes().get(8).inputs()).containsExactly("layer1.add");
        assertThat(((Conv) e.model().nodes().get(8).layer()).kernel()).containsExactly(3, 3);
        assertThat(((Conv) e.model().nodes().get(10).layer()).kernel()).containsExactly(1, 1);
        assertThat(add.pos().line()).isEqualTo(13);
        assertThat(add.path()).isEqualTo("model.layers[0].unit.residual");
    }

    @Test
    void autoShortcutIsIdentityOrProjection() {
        Experiment e = y.load("""
                model:
                  input: [3, 8, 8]
                  blocks:
                    res:
                      params: [c, {s: 1}]
                      residual: {main: [{conv: {filters: $c, kernel: 3, stride: $s, padding: 1}}], after: [relu]}
                  layers: [{conv: {filters: 3, kernel: 1}}, {res: 3}, {res: {c: 6, s: 2}}, {res: 6}, flatten, {dense: 10}]
                optimizer: {sgd: {lr: 0.1}}
                data: {dataset: {imagefolder: {path: x}}}
                """);
        assertThat(names(e)).containsExactly("conv1", "res1.conv1", "res1.add", "res1.relu1", "res2.conv1",
                "res2.shortcut.conv", "res2.shortcut.bn", "res2.add", "res2.relu1", "res3.conv1", "res3.add",
                "res3.relu1", "flatten1", "fc1");
        List<LayerNode> n = e.model().nodes().subList(1, 14);
        assertThat(n.get(1).inputs()).containsExactly("res1.conv1", "conv1"); // identity
        assertThat(Describe.node(n.get(4))).isEqualTo(
                "res2.shortcut.conv conv 6 k[1, 1] s[2, 2] p[0, 0] d[1, 1] bias false act null <- [res1.relu1]");
        assertThat(n.get(5).layer()).isEqualTo(new BatchNorm(1e-5, 0.1));
        assertThat(n.get(6).inputs()).containsExactly("res2.conv1", "res2.shortcut.bn");
        assertThat(n.get(9).inputs()).containsExactly("res3.conv1", "res2.relu1");
    }

    @Test
    void namedRepeatsCountFromZeroAndUnnamedOnesContinueTheCounters() {
        Experiment e = y.load(Yamls.model("""
                    - repeat: {times: 2, layers: [{conv: {filters: 4, kernel: 3, padding: 1}}, relu]}
                    - {repeat: {times: 2, layers: [{conv: {filters: 4, kernel: 3, padding: 1}}]}, name: layer1}
                    - {conv: {filters: 4, kernel: 1}, inputs: [layer1]}
                    - global_avgpool
                    - dense: 10
                """));
        assertThat(names(e)).containsExactly("conv1", "relu1", "conv2", "relu2", "layer1.0.conv1", "layer1.1.conv1",
                "conv3", "global_avgpool1", "fc1");
        assertThat(e.model().nodes().get(6).inputs()).containsExactly("layer1.1.conv1");
    }

    @Test
    void generalGraphsWithNamesAndForwardReferences() {
        Experiment e = y.load(Yamls.model("""
                    - {conv: {filters: 4, kernel: 3, padding: 1}, name: stem}
                    - {concat, inputs: [left, right], name: both}
                    - flatten
                    - dense: 10
                    - {conv: {filters: 2, kernel: 1}, name: left, inputs: [stem]}
                    - {conv: {filters: 3, kernel: 3, padding: 1}, name: right, inputs: [stem]}
                """.replace("    - flatten\n    - dense: 10\n", "").concat("    - {flatten, inputs: [both]}\n    - dense: 10\n")));
        assertThat(names(e)).containsExactly("stem", "left", "right", "both", "flatten1", "fc1");
        assertThat(Shapes.infer(e.model()).get("both")).containsExactly(5, 32, 32);
        assertThat(e.model().nodes().get(0).inputs()).isEmpty();
    }
}
