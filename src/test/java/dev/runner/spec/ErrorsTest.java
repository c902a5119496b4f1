package dev.runner.spec;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every class of error: one line, exact position, key path and problem. */
class ErrorsTest {
    @TempDir
    Path dir;
    Yamls y;

    @BeforeEach
    void setUp() {
        y = new Yamls(dir);
    }

    @Test
    void unknownKeyWithDidYouMean() {
        y.fails(Yamls.BASE.replace("lr: 0.1", "lr: 0.1, momentun: 0.9"), "2:28",
                "optimizer.sgd.momentun: unknown key `momentun`; did you mean `momentum`?");
        y.fails(Yamls.BASE + "epoch: 3\n", "3:1", "epoch: unknown key `epoch`; did you mean `epochs`?");
    }

    @Test
    void unknownKeyFarFromAnyListsTheKeys() {
        y.fails(Yamls.BASE + "evaluate: {validation: true}\n", "3:12",
                "evaluate.validation: unknown key `validation`; expected one of train, test, top_k");
    }

    @Test
    void wrongType() {
        y.fails(Yamls.BASE + "epochs: two\n", "3:9", "epochs: expected a number, got \"two\"");
        y.fails(Yamls.BASE + "seed: 2.5\n", "3:7", "seed: expected an integer, got 2.5");
        y.fails(Yamls.BASE + "evaluate: {train: yes}\n", "3:19", "evaluate.train: expected true or false, got \"yes\"");
        y.fails(Yamls.BASE.replace("lr: 0.1", "lr: \"0.1\""), "2:23", "optimizer.sgd.lr: expected a number, got \"0.1\"");
        y.fails(Yamls.BASE + "data: [1, 2]\n", "3:7", "data: expected a map, got a list");
    }

    @Test
    void outOfRange() {
        y.fails(Yamls.BASE.replace("lr: 0.1", "lr: -1e-3"), "2:23", "optimizer.sgd.lr: must be > 0, got -1e-3");
        y.fails(Yamls.BASE.replace("lr: 0.1", "lr: 0.1, momentum: 1.5"), "2:38",
                "optimizer.sgd.momentum: must be in [0, 1), got 1.5");
        y.fails(Yamls.BASE + "epochs: 0\n", "3:9", "epochs: must be in (0, 100000], got 0");
        y.fails(Yamls.BASE.replace("lr: 0.1", "lr: .inf"), "2:23", "optimizer.sgd.lr: must be a finite number, got .inf");
        y.fails(Yamls.BASE + "data: {normalize: {mean: [.nan, 0, 0], std: [1, 1, 1]}}\n", "3:27",
                "data.normalize.mean[0]: must be a finite number, got .nan");
        y.fails(Yamls.model("    - conv: {filters: 0, kernel: 3}\n    - flatten\n    - dense: 10\n"), "4:23",
                "model.layers[0].conv.filters: must be between 1 and 65536, got 0");
    }

    @Test
    void missingRequiredKey() {
        y.fails("model: {input: [3, 32, 32], layers: [flatten, {dense: 10}]}\n", "1:1",
                "missing required key `optimizer`");
        y.fails(Yamls.model("    - conv: {filters: 8}\n    - flatten\n    - dense: 10\n"), "4:13",
                "model.layers[0].conv: missing required key `kernel`");
        y.fails(Yamls.model("    - flatten\n    - dense\n"), "5:7", "model.layers[1].dense: missing required key `units`");
    }

    @Test
    void unknownLayerTypeAndValue() {
        y.fails(Yamls.model("    - convv: {filters: 8, kernel: 3}\n"), "4:7",
                "model.layers[0]: unknown layer type `convv`; did you mean `conv`?");
        y.fails(Yamls.BASE + "schedule: cosinus\n", "3:11",
                "schedule: unknown kind `cosinus`; did you mean `cosine`?");
        y.fails(Yamls.BASE.replace("sgd:", "sdg:"), "2:13", "optimizer.sdg: unknown kind `sdg`; did you mean `sgd`?");
        y.fails(Yamls.model("    - conv: {filters: 8, kernel: 3, activation: rleu}\n    - flatten\n    - dense: 10\n"), "4:49",
                "model.layers[0].conv.activation: unknown value `rleu`; did you mean `relu`?");
    }

    @Test
    void badParams() {
        String blocks = """
                model:
                  input: [3, 32, 32]
                  blocks:
                    unit:
                      params: [channels, {stride: 1}]
                      layers: [{conv: {filters: $chanels, kernel: 3, stride: $stride}}]
                  layers: [{unit: {channels: 8}}, flatten, {dense: 10}]
                optimizer: {sgd: {lr: 0.1}}
                """;
        y.fails(blocks, "6:33", "model.blocks.unit.layers[0].conv.filters: unknown parameter `$chanels` of block `unit`;"
                + " did you mean `$channels`?");
        String ok = blocks.replace("$chanels", "$channels");
        y.fails(ok.replace("{unit: {channels: 8}}", "{unit: {stride: 2}}"), "7:19",
                "model.layers[0].unit: missing argument `channels` for block `unit`");
        y.fails(ok.replace("{unit: {channels: 8}}", "{unit: {channels: 8, strid: 2}}"), "7:33",
                "model.layers[0].unit.strid: unknown argument `strid`; did you mean `stride`?");
        y.fails(Yamls.model("    - conv: {filters: $n, kernel: 3}\n"), "4:23",
                "model.layers[0].conv.filters: `$n`: parameters can only be used inside a block");
    }

    @Test
    void substitutedValuesAreCheckedWhereTheyAreWritten() {
        String text = """
                model:
                  input: [3, 32, 32]
                  blocks:
                    unit:
                      params: [channels]
                      layers: [{conv: {filters: $channels, kernel: 3}}]
                  layers: [{unit: {channels: -4}}, flatten, {dense: 10}]
                optimizer: {sgd: {lr: 0.1}}
                """;
        y.fails(text, "7:30", "model.layers[0].unit.layers[0].conv.filters: must be between 1 and 65536, got -4");
    }

    @Test
    void cycleInInputs() {
        y.fails(Yamls.model("""
                    - {conv: {filters: 4, kernel: 3}, name: a, inputs: [b]}
                    - {conv: {filters: 4, kernel: 3}, name: b, inputs: [a]}
                    - flatten
                    - dense: 10
                """), "4:7", "model.layers[0].inputs: cycle in inputs: a -> b -> a");
    }

    @Test
    void unknownInput() {
        y.fails(Yamls.model("""
                    - {conv: {filters: 4, kernel: 3}, name: stem}
                    - {conv: {filters: 4, kernel: 3}, inputs: [stme]}
                    - flatten
                    - dense: 10
                """), "5:48", "model.layers[1].inputs[0]: unknown input `stme`; did you mean `stem`?");
    }

    @Test
    void mergeLayersNeedInputsAndOthersTakeOne() {
        y.fails(Yamls.model("    - {conv: {filters: 4, kernel: 3}}\n    - add\n"), "5:7",
                "model.layers[1]: add needs `inputs:` naming at least two layers");
        y.fails(Yamls.model("    - {conv: {filters: 4, kernel: 3}, name: a}\n    - {relu, inputs: [a, input]}\n"), "5:22",
                "model.layers[1].inputs: relu takes one input; merge several with add or concat");
        y.fails(Yamls.model("    - {conv: {filters: 4, kernel: 3, inputs: [input]}}\n"), "4:38",
                "model.layers[0].conv.inputs: `inputs` goes next to the layer type, not inside its arguments:"
                        + " - {conv: {...}, inputs: ...}");
    }

    @Test
    void duplicateAndUnusedNames() {
        y.fails(Yamls.model("""
                    - {conv: {filters: 4, kernel: 3}, name: a}
                    - {conv: {filters: 4, kernel: 3}, name: a}
                    - flatten
                    - dense: 10
                """), "5:7", "model.layers[1]: the name `a` is already used by model.layers[0]");
        y.fails(Yamls.model("""
                    - {conv: {filters: 4, kernel: 3}, name: a}
                    - {conv: {filters: 4, kernel: 3}, inputs: [input]}
                    - flatten
                    - dense: 10
                """), "4:7", "model.layers[0]: `a` is not used: nothing reads its output");
    }

    @Test
    void shapesThatCannotWork() {
        y.fails("""
                model:
                  input: [3, 2, 2]
                  layers:
                    - conv: {filters: 4, kernel: 7}
                    - flatten
                    - dense: 10
                optimizer: {sgd: {lr: 0.1}}
                data: {dataset: {imagefolder: {path: imgs}}}
                """, "4:7", "model.layers[0]: conv1: kernel 7x7 does not fit the 2x2 input");
        y.fails(Yamls.model("    - conv: {filters: 4, kernel: 3}\n    - dense: 10\n"), "5:7",
                "model.layers[1]: fc1: dense needs a flat input, got [4, 30, 30]; put a flatten or a global pool before it");
        y.fails(Yamls.model("""
                    - {conv: {filters: 4, kernel: 3, padding: 1}, name: a}
                    - {conv: {filters: 8, kernel: 3, padding: 1}, name: b}
                    - {add, inputs: [a, b]}
                    - flatten
                    - dense: 10
                """), "6:7", "model.layers[2]: add1: add needs inputs of the same shape, got [4, 32, 32] from a"
                + " and [8, 32, 32] from b");
        y.fails(Yamls.model("""
                    - {conv: {filters: 4, kernel: 3, padding: 1}, name: a}
                    - {conv: {filters: 8, kernel: 3, stride: 2, padding: 1}, inputs: [input], name: b}
                    - {concat, inputs: [a, b]}
                """), "6:7", "model.layers[2]: concat1: concat needs inputs with the same height and width,"
                + " got [4, 32, 32] from a and [8, 16, 16] from b");
        y.fails(Yamls.model("    - flatten\n    - conv: {filters: 4, kernel: 1}\n"), "5:7",
                "model.layers[1]: conv1: conv needs a [channels, height, width] input, got [3072]");
        y.fails(Yamls.model("    - maxpool: {kernel: 2, padding: 2}\n"), "4:7",
                "model.layers[0]: maxpool1: pool padding must be at most half the kernel (2x2), got 2x2");
    }

    @Test
    void shapeErrorInsideABlockPointsAtTheUse() {
        y.fails("""
                model:
                  input: [3, 32, 32]
                  blocks:
                    down: {layers: [{conv: {filters: 8, kernel: 3, stride: 2}}]}
                  layers:
                    - repeat: {times: 6, layers: [down]}
                    - flatten
                    - dense: 10
                optimizer: {sgd: {lr: 0.1}}
                """, "6:35", "model.layers[0].repeat.layers[0].down.layers[0]: down5.conv1: kernel 3x3 does not fit"
                + " the 1x1 input");
    }

    @Test
    void dataAndModelMustAgree() {
        y.fails(Yamls.BASE.replace("[3, 32, 32]", "[1, 28, 28]"), "1:16",
                "model.input: the data gives [3, 32, 32] images, but the model takes [1, 28, 28]");
        y.fails(Yamls.BASE + "data: {augment: [{random_crop: 40}]}\n", "3:32",
                "data.augment[0].random_crop.size: a 40x40 crop does not fit the 32x32 images");
        y.fails(Yamls.BASE + "data: {normalize: {mean: [0.5], std: [0.5, 0.5, 0.5]}}\n", "3:26",
                "data.normalize.mean: needs 3 values (one per input channel), got 1");
    }

    @Test
    void featureMapLayersMustExistAndBeImages() {
        y.fails(Yamls.BASE + "visualize: {feature_maps: {layers: [fc2]}}\n", "3:37",
                "visualize.feature_maps.layers[0]: unknown layer `fc2`; did you mean `fc1`?");
        y.fails(Yamls.BASE + "visualize: {feature_maps: {layers: [fc1]}}\n", "3:37",
                "visualize.feature_maps.layers[0]: feature maps need a layer with a [channels, height, width] output;"
                        + " `fc1` gives [10]");
    }

    @Test
    void otherCrossChecks() {
        y.fails(Yamls.BASE.replace("lr: 0.1", "lr: 0.1, nesterov: true"), "2:38",
                "optimizer.sgd.nesterov: nesterov needs momentum > 0 and dampening 0");
        y.fails(Yamls.BASE + "lr_range_test: {start_lr: 1, end_lr: 0.1}\n", "3:38",
                "lr_range_test.end_lr: must be greater than start_lr (1.0)");
        y.fails(Yamls.BASE + "schedule: {multistep: {at: [10, 5]}}\n", "3:28", "schedule.multistep.at: epochs must increase");
        y.fails(Yamls.BASE + "name: my run\n", "3:7", "name: expected a name of letters, digits, _ . -"
                + " (used as a folder name), got \"my run\"");
    }

    @Test
    void yamlSyntaxAndDuplicates() {
        y.fails("model: {input: [3, 32, 32]\n", "2:1", "invalid YAML: expected ',' or '}', but got <stream end>");
        y.fails(Yamls.BASE + "epochs: 2\nepochs: 3\n", "4:1", "epochs: duplicate key (first at line 3)");
        y.fails("- a\n- b\n", "1:1", "expected a map of keys (name, model, ...) at the top, got a list");
    }

    @Test
    void setErrorsNameTheFlag() {
        y.fails(Yamls.BASE, null, "--set epochs=x: epochs: expected a number, got \"x\"", "epochs=x");
        y.fails(Yamls.BASE, null, "--set optimizer.sgd.momentun=0.9: optimizer.sgd.momentun: unknown key `momentun`;"
                + " did you mean `momentum`?", "optimizer.sgd.momentun=0.9");
        y.fails(Yamls.BASE, null, "--set epochs: expected key.path=value", "epochs");
        y.fails(Yamls.BASE, null, "--set model.layers[5].dense=3: model.layers[5]: index out of range (the list has"
                + " 2 items)", "model.layers[5].dense=3");
        y.fails(Yamls.BASE, null, "--set epochs=[1: invalid YAML: expected ',' or ']', but got <stream end>", "epochs=[1");
        y.fails(Yamls.BASE, null, "--set extends=x.yaml: extends: cannot be set from the command line", "extends=x.yaml");
        y.fails(Yamls.BASE, null, "--set optimizer.sgd.lr.x=1: optimizer.sgd.lr: is 0.1, not a map, so `x` cannot be set",
                "optimizer.sgd.lr.x=1");
    }

    @Test
    void structuralMistakesInTheModel() {
        y.fails(Yamls.model("    - conv: {filters: 4, kernel: 3}\n      relu:\n"), "5:7",
                "model.layers[0]: one layer per list item, found `conv` and `relu`; start each layer with its own -");
        y.fails("""
                model:
                  input: [3, 32, 32]
                  blocks:
                    a: {layers: [b]}
                    b: {layers: [a]}
                  layers: [a, flatten, {dense: 10}]
                optimizer: {sgd: {lr: 0.1}}
                """, "5:18", "model.layers[0].a.layers[0].b.layers[0].a: block `a` uses itself: b -> a -> a");
        y.fails("""
                model:
                  input: [3, 32, 32]
                  blocks:
                    res: {residual: {main: [{conv: {filters: 3, kernel: 3, padding: 1}}]}}
                  layers: [res, flatten, {dense: 10}]
                optimizer: {sgd: {lr: 0.1}}
                """, "5:12", "model.layers[0].res.residual: res1.add: the network input cannot be merged with other"
                + " layers; put a layer on it first");
        Experiment projected = y.load("""
                model:
                  input: [3, 32, 32]
                  blocks:
                    res: {residual: {main: [{conv: {filters: 8, kernel: 3, padding: 1}}]}}
                  layers: [res, flatten, {dense: 10}]
                optimizer: {sgd: {lr: 0.1}}
                """);
        org.assertj.core.api.Assertions.assertThat(projected.model().nodes()).extracting(LayerNode::name)
                .containsExactly("res1.conv1", "res1.shortcut.conv", "res1.shortcut.bn", "res1.add", "flatten1", "fc1");
        y.fails(Yamls.model("    - {conv: {filters: 4, kernel: 3}, name: conv.1}\n"), "4:45",
                "model.layers[0].name: names are letters, digits and _ (and not `input`), got \"conv.1\"");
        y.fails(Yamls.model("    - relu\n").replace("  layers:\n    - relu\n", "  blocks: {relu: {layers: [relu]}}\n  layers: [relu]\n"),
                "3:12", "model.blocks.relu: `relu` is a layer type; choose another block name");
    }
}
