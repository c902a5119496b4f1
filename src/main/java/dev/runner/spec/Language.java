package dev.runner.spec;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.InitSpec;

/**
 * The experiment-file language as data: every section's keys and every kind's arguments, with type, default,
 * allowed range or values and a one-line description, in the words of {@link dev.runner.spec.lang.Vocabulary}.
 * The layer kinds are described beside their records ({@link dev.runner.spec.layers.LayerKinds}). The loader
 * reads each key through it ({@link dev.runner.spec.lang.Fields}),
 * so unknown keys, did-you-mean, types, ranges and defaults come from here; {@link JsonSchema} turns it into the
 * editor schema and {@link KeyTables} into the key tables of docs/experiment-files.md. Rules that tie several
 * keys together (shapes, {@code nesterov} needs momentum, ...) stay with the loader.
 */
public final class Language {
    private Language() {}

    // ---------------------------------------------------------------- the language

    /** The values of {@code engine:} and {@code --engine} (the model stage's {@code Placement} picks among them). */
    public static final List<String> ENGINES = List.of("auto", "onednn", "dl4j");
    /** The values of {@code precision:} (the model stage's {@code Precision} decides). */
    public static final List<String> PRECISIONS = List.of("fp32", "bf16", "auto");
    /** The keys next to a layer's type. */
    public static final Section LAYER_EXTRAS = section("layer_extras", "next to a layer's type",
            optional("name", NAME, "type's short name + counter", "the layer's name, for `inputs` and feature maps"),
            optional("inputs", new AnyOf(List.of(NAME, new ListOf(NAME, 1, -1))), "the layer before",
                    "the layers it reads (`input`: the network's or block's input)"),
            optional("trainable", new AnyOf(List.of(BOOL, integer(0, 100_000), new MapOf(new AnyOf(List.of(BOOL,
                    integer(0, 100_000)))))), "`true`", "`false`: its parameters never change (PyTorch's"
                    + " requires_grad = False); N: they train for the first N epochs only; `{weight: ..., bias: ...}`:"
                    + " per parameter"),
            optional("lr_scale", new AnyOf(List.of(num(Range.NON_NEGATIVE), new MapOf(num(Range.NON_NEGATIVE)))), "`1`",
                    "the optimizer's learning rate times this for its parameters, or `{weight: ..., bias: ...}` per"
                            + " parameter (a PyTorch parameter group's lr)"),
            optional("weight_decay_scale", new AnyOf(List.of(num(Range.NON_NEGATIVE), new MapOf(num(Range.NON_NEGATIVE)))),
                    "`1`", "the optimizer's weight decay times this for its parameters, or per parameter (a PyTorch"
                            + " parameter group's weight_decay)"));

    public static final Section REPEAT = section("repeat", "repeats a list of layers in sequence",
            required("times", integer(1, 1000), "how many times"),
            required("layers", new Layers(), "the layers to repeat"));

    public static final Section RESIDUAL = section("residual", "after(main(x) + shortcut(x))",
            required("main", new Layers(), "the main path"),
            key("shortcut", new AnyOf(List.of(oneOfWords("auto", "identity"), new Layers())), "auto",
                    "`auto`: identity, or a 1x1 conv (stride) + batchnorm when main changes the shape; `identity`; or a list of layers"),
            optional("after", new Layers(), "none", "layers applied to the sum"));

    public static final Section BLOCK = section("block", "a named sub-network used like a layer type",
            optional("params", new ListOf(new AnyOf(List.of(NAME, new MapOf(new Anything()))), 0, -1), "none",
                    "parameter names, `{name: default}` for one with a default; `$name` in the body stands for the argument"),
            optional("layers", new Layers(), "none", "the block's layers (either this or `residual`)"),
            optional("residual", RESIDUAL, "none", "a residual block (either this or `layers`)"));

    /** The loss after the network's last layer. */
    public static final OneOf LOSS = new OneOf("loss", "the loss after the last layer", List.of(
            kind("cross_entropy", null, "softmax + negative log likelihood (nn.CrossEntropyLoss)",
                    key("label_smoothing", num(Range.UNIT_OPEN_TOP), 0.0, "the target is (1 - s) x the one-hot"
                            + " label + s / classes, as nn.CrossEntropyLoss(label_smoothing=s)"),
                    key("reduction", oneOfWords("mean", "sum"), "mean", "the batch's loss is the `mean` or the"
                            + " `sum` of its examples' (gradients scale with it; the recorded loss is always the mean)"))));

    public static final Section MODEL = section("model", "the network",
            required("input", new ListOf(integer(1, 1 << 16), 3, 3), "`[channels, height, width]`").example("[3, 32, 32]"),
            key("init", new Ref("init"), "pytorch", "the default `init` of every conv and dense layer"),
            key("loss", LOSS, "cross_entropy", "softmax + negative log likelihood after the last layer"),
            optional("blocks", new MapOf(BLOCK), "none", "named sub-networks: `{NAME: {params, layers | residual}}`"),
            required("layers", new Layers(), "the network, at least one layer"));

    private static Kind idx(String name, String title, String url) {
        return kind(name, null, title + ": 60,000 train / 10,000 test grey 28x28 images, `[1, 28, 28]`, 10 classes;"
                        + " its four official IDX files, MD5-checked, downloaded into `<data root>/"
                        + (name.equals("mnist") ? "MNIST" : "FashionMNIST") + "/raw/` when missing",
                key("url", TEXT, url, "the folder the four files are downloaded from"));
    }

    public static final OneOf DATASET = new OneOf("dataset", "where images come from", List.of(
            kind("cifar10", null, "CIFAR-10: 50,000 train / 10,000 test images, `[3, 32, 32]`, 10 classes;"
                            + " downloaded into the data root when missing",
                    key("url", TEXT, DataSpec.Cifar10.DEFAULT_URL, "the archive to download"),
                    key("md5", new Text("^[0-9a-fA-F]{32}$", "32 hexadecimal digits"), DataSpec.Cifar10.DEFAULT_MD5,
                            "checked after download")),
            kind("cifar100", null, "CIFAR-100: 50,000 train / 10,000 test images, `[3, 32, 32]`, 100 classes"
                            + " (or 20 superclasses); its binary version, downloaded into the data root when missing",
                    key("labels", oneOfWords(DataSpec.Cifar100.LABELS), "fine",
                            "`fine`: the 100 classes; `coarse`: the 20 superclasses"),
                    key("url", TEXT, DataSpec.Cifar100.DEFAULT_URL, "the archive to download"),
                    key("md5", new Text("^[0-9a-fA-F]{32}$", "32 hexadecimal digits"), DataSpec.Cifar100.DEFAULT_MD5,
                            "checked after download")),
            idx("mnist", "MNIST digits", DataSpec.Mnist.DEFAULT_URL),
            idx("fashion_mnist", "Fashion-MNIST", DataSpec.FashionMnist.DEFAULT_URL),
            kind("imagefolder", "path", "`path/train/<class>/*.png|jpg`, `path/test/<class>/*` and, if present,"
                    + " `path/val/<class>/*` (the validation set)",
                    required("path", TEXT, "the folder, relative to the file that says it"),
                    optional("resize", new Pair(1), "none (images must have the model's size)", "resize on load"),
                    key("channels", integer(1, 3), 3,
                            "3: RGB (PIL's `convert(\"RGB\")`); 1: grey (`convert(\"L\")`, 0.299 R + 0.587 G + 0.114 B)"))));

    /** A factor range: a number {@code f} for {@code [max(0, 1 - f), 1 + f]}, or {@code [min, max]}. */
    private static Type factorRange() {
        return new AnyOf(List.of(num(Range.NON_NEGATIVE), new ListOf(num(Range.NON_NEGATIVE), 2, 2)));
    }

    /** Degrees: a number {@code d} for {@code [-d, d]}, or {@code [min, max]}. */
    private static Type degrees() {
        return new AnyOf(List.of(num(Range.NON_NEGATIVE), new ListOf(num(Range.ANY), 2, 2)));
    }

    private static Key fill() {
        return key("fill", new AnyOf(List.of(num(new Range(0, false, 255, false)),
                        new ListOf(num(new Range(0, false, 255, false)), 1, -1))), 0.0,
                "the pixel value (0..255; a list: one per channel) of pixels from outside the image");
    }

    private static Key interpolation(String dflt) {
        return key("interpolation", oneOfWords("nearest", "bilinear"), dflt, "how pixels between pixels are read");
    }

    public static final OneOf AUGMENT = new OneOf("augment", "a random transform of training images", List.of(
            kind("pad", "size", "pads every side by `size` pixels",
                    required("size", integer(1, 1024), "pixels"),
                    key("mode", oneOfWords("zero", "reflect"), "zero", "fill")),
            kind("random_crop", "size", "a random `size`x`size` crop",
                    required("size", integer(1, 1 << 14), "pixels")),
            kind("horizontal_flip", "p", "mirrors left-right with probability `p`",
                    key("p", num(Range.UNIT), 0.5, "probability"),
                    key("alternate", BOOL, false, "`true`: each image's flip is drawn once (with `p`) and inverted"
                            + " in every second epoch (epochs 2, 4, ...), so over two epochs every image is seen both ways")),
            kind("cutout", "size", "zeroes a random `size`x`size` square",
                    required("size", integer(1, 1 << 14), "pixels")),
            kind("color_jitter", null, "random brightness, contrast, saturation and hue, applied in a random order"
                            + " (transforms.ColorJitter); saturation and hue leave grey images alone",
                    key("brightness", factorRange(), 0.0, "factor from `[max(0, 1 - b), 1 + b]` or `[min, max]`;"
                            + " the image times the factor"),
                    key("contrast", factorRange(), 0.0, "factor as for brightness; blends the image with its mean grey"),
                    key("saturation", factorRange(), 0.0, "factor as for brightness; blends the image with its grey"),
                    key("hue", new AnyOf(List.of(num(new Range(0, false, 0.5, false)),
                                    new ListOf(num(new Range(-0.5, false, 0.5, false)), 2, 2))), 0.0,
                            "shift of the hue (in turns) from `[-h, h]` (h <= 0.5) or `[min, max]`")),
            kind("random_resized_crop", "size", "a crop of random area and aspect ratio, resized to `size`"
                            + " (transforms.RandomResizedCrop)",
                    required("size", new Pair(1), "output size").example("32"),
                    key("scale", new ListOf(num(new Range(0, true, 1, false)), 2, 2), List.of(0.08, 1.0),
                            "`[min, max]` fraction of the image's area"),
                    key("ratio", new ListOf(num(Range.POSITIVE), 2, 2), List.of(0.75, 4.0 / 3),
                            "`[min, max]` aspect ratio (width / height), drawn log-uniformly"),
                    key("interpolation", oneOfWords("bilinear", "nearest"), "bilinear",
                            "`bilinear` (antialiased when shrinking, torchvision's default) or `nearest`")),
            kind("random_rotation", "degrees", "rotates by a random angle about the centre, same size"
                            + " (transforms.RandomRotation)",
                    required("degrees", degrees(), "angle (counter-clockwise) from `[-d, d]` or `[min, max]`"),
                    interpolation("nearest"),
                    fill()),
            kind("random_affine", "degrees", "a random rotation, shift, scale and shear about the centre, same size"
                            + " (transforms.RandomAffine)",
                    required("degrees", degrees(), "angle (clockwise) from `[-d, d]` or `[min, max]`; 0 for none"),
                    optional("translate", new ListOf(num(Range.UNIT), 2, 2), "none",
                            "`[a, b]`: shifts up to a x width and b x height, in whole pixels"),
                    optional("scale", new ListOf(num(Range.POSITIVE), 2, 2), "none", "`[min, max]` scale factor"),
                    optional("shear", new AnyOf(List.of(num(Range.NON_NEGATIVE), new ListOf(num(Range.ANY), 2, 4))),
                            "none", "degrees: `s` for x in `[-s, s]`, `[min, max]` for x, or `[xmin, xmax, ymin, ymax]`"),
                    interpolation("nearest"),
                    fill()),
            kind("random_erasing", "p", "with probability `p`, sets a random rectangle of the normalised image"
                            + " to `value` (transforms.RandomErasing after Normalize); last in `augment`",
                    key("p", num(Range.UNIT), 0.5, "probability"),
                    key("scale", new ListOf(num(new Range(0, true, 1, false)), 2, 2), List.of(0.02, 0.33),
                            "`[min, max]` fraction of the image's area"),
                    key("ratio", new ListOf(num(Range.POSITIVE), 2, 2), List.of(0.3, 3.3),
                            "`[min, max]` aspect ratio (height / width), drawn log-uniformly"),
                    key("value", new AnyOf(List.of(num(Range.ANY), new ListOf(num(Range.ANY), 1, -1),
                                    oneOfWords("random"))), 0.0,
                            "the normalised value (a list: one per channel), or `random`: standard normal noise"))));

    public static final Section NORMALIZE = section("normalize",
            "`(x/255 - mean[c]) / std[c]`, applied last, to train and test",
            required("mean", new ListOf(num(Range.ANY), 1, -1), "one per input channel"),
            required("std", new ListOf(num(Range.POSITIVE), 1, -1), "one per input channel, > 0"));

    public static final Section DATA = section("data", "dataset, batch sizes, augmentation, normalisation",
            key("dataset", DATASET, "cifar10", "where images come from"),
            key("batch_size", integer(1, 1 << 20), 64, "training batch size"),
            key("test_batch_size", integer(1, 1 << 20), 256, "evaluation batch size (does not change results)"),
            key("shuffle", BOOL, true, "reshuffle the training set every epoch"),
            key("drop_last", BOOL, false, "leave out the last partial training batch (torch's DataLoader `drop_last`)"),
            key("augment", new ListOf(AUGMENT, 0, -1), List.of(), "random transforms of training images, in order"),
            optional("normalize", NORMALIZE, "none (pixels scaled to 0..1 only)",
                    "`(x/255 - mean[c]) / std[c]`, applied last, to train and test"),
            key("val_split", num(Range.UNIT_OPEN_TOP), 0.0, "hold out this fraction of each class of the training"
                    + " set as the validation set (`val_*` metrics); 0 = none (an image folder's `val/` folder is"
                    + " the validation set when it has one)"),
            key("val_seed", integer(0, Integer.MAX_VALUE), 0, "which images `val_split` holds out: the same seed,"
                    + " the same images, whatever the experiment's `seed`"));

    private static Key lr() {
        return key("lr", new AnyOf(List.of(num(Range.POSITIVE), section("lr_from", "an lr from a range test",
                        required("from_range_test", EXPERIMENT_NAME, "an LR range test experiment's name")))), 1e-3,
                "learning rate > 0, or `{from_range_test: NAME}`: the lr suggested by that range test's newest run");
    }

    private static Kind adam(String name, String doc, double wd, String wdDoc) {
        return kind(name, null, doc, lr(),
                key("betas", new ListOf(num(Range.UNIT_OPEN_TOP), 2, 2), List.of(0.9, 0.999), "`[beta1, beta2]`, each in [0, 1)"),
                key("eps", num(Range.POSITIVE), 1e-8, "added to the denominator"),
                key("weight_decay", num(Range.NON_NEGATIVE), wd, wdDoc));
    }

    public static final OneOf OPTIMIZER = new OneOf("optimizer", "the optimizer, with PyTorch's semantics and defaults",
            List.of(kind("sgd", null, "torch.optim.SGD", lr(),
                            key("momentum", num(Range.UNIT_OPEN_TOP), 0.0, "momentum factor: v = momentum * v + (1 - dampening) * grad"),
                            key("dampening", num(Range.UNIT), 0.0, "dampening of the gradient in the momentum"),
                            key("nesterov", BOOL, false, "Nesterov momentum; needs momentum > 0 and dampening 0"),
                            key("weight_decay", num(Range.NON_NEGATIVE), 0.0, "`wd * param` added to each gradient (L2)")),
                    adam("adam", "torch.optim.Adam", 0.0, "L2 added to the gradient, as torch.optim.Adam"),
                    adam("adamw", "torch.optim.AdamW", 0.01, "decoupled weight decay, as torch.optim.AdamW")));

    public static final OneOf SCHEDULE = new OneOf("schedule",
            "the learning rate over time, updated every iteration; epoch values may be fractional", List.of(
            kind("constant", null, "`lr`"),
            kind("cosine", null, "cosine annealing from `lr` to `eta_min` over `epochs`",
                    key("eta_min", num(Range.NON_NEGATIVE), 0.0, "the final learning rate"),
                    optional("epochs", num(Range.POSITIVE), "the whole run", "length of the cosine")),
            kind("step", "every", "`lr * gamma^floor(e / every)`",
                    required("every", num(Range.POSITIVE), "epochs between steps"),
                    key("gamma", num(Range.POSITIVE), 0.1, "factor per step")),
            kind("multistep", "at", "`lr * gamma^(milestones passed)`",
                    required("at", new ListOf(num(Range.POSITIVE), 1, -1), "increasing epochs"),
                    key("gamma", num(Range.POSITIVE), 0.1, "factor per milestone")),
            kind("exponential", "gamma", "`lr * gamma^e`",
                    required("gamma", num(Range.POSITIVE), "factor per epoch")),
            kind("piecewise", "points", "linear between `[epoch, lr]` points (absolute learning rates), constant after the last",
                    required("points", new ListOf(new ListOf(num(Range.NON_NEGATIVE), 2, 2), 1, -1),
                            "`[[epoch, lr], ...]`, epochs increasing")),
            kind("linear_warmup", null, "from `start_factor*lr` to `lr` over `epochs`, then the `then` schedule, starting there",
                    required("epochs", num(Range.POSITIVE), "length of the warm-up"),
                    key("start_factor", num(OPEN_UNIT), 1.0 / 3, "the first lr is start_factor * lr"),
                    key("then", new Ref("schedule"), "constant", "the schedule after the warm-up"))));

    public static final Section LR_RANGE_TEST = section("lr_range_test",
            "turns the run into an LR range test: the lr grows from start_lr to end_lr while the loss is recorded",
            key("start_lr", num(Range.POSITIVE), 1e-7, "first learning rate"),
            key("end_lr", num(Range.POSITIVE), 10.0, "last learning rate, > start_lr"),
            key("iterations", integer(2, 10_000_000), 100, "training batches"),
            key("mode", oneOfWords("exp", "linear"), "exp", "`exp` (geometric steps) or `linear`"),
            key("smooth", num(Range.UNIT_OPEN_TOP), 0.05, "exponential smoothing of the loss"),
            key("diverge", num(new Range(1, true, Double.POSITIVE_INFINITY, true)), 5.0,
                    "stop once the smoothed loss exceeds `diverge` x the best"));

    public static final Section EVALUATE = section("evaluate", "what to measure after each epoch",
            key("train", BOOL, false, "also measure accuracy on the training set (evaluation mode)"),
            key("test", BOOL, true, "measure test loss and accuracy"),
            key("top_k", new AnyOf(List.of(integer(2, 1 << 16), new ListOf(integer(2, 1 << 16), 0, -1))), List.of(),
                    "also measure top-k accuracy (the true class among the k most probable) for each k, beside"
                            + " top-1: `test_top5_accuracy` ...").example("5"));

    public static final Section FEATURE_MAPS = section("feature_maps", "feature maps to draw",
            key("layers", new ListOf(TEXT, 0, -1), List.of(),
                    "layer names (see the naming rule) whose outputs are drawn; each must output `[c, h, w]`"),
            key("images", integer(1, 64), 2, "draw for the first N test images"),
            optional("indices", new ListOf(integer(0, Integer.MAX_VALUE), 0, 64), "none",
                    "or draw for these test image indices (instead of `images`)"));

    public static final Section VISUALIZE = section("visualize", "pictures to draw",
            optional("feature_maps", FEATURE_MAPS, "none", "feature maps to draw"));

    /**
     * The metrics an epoch records, by which the best epoch ({@code checkpoint.best}), early stopping and a sweep's
     * best trial are chosen: accuracies are maximised, losses minimised.
     */
    public static final List<String> EPOCH_METRICS = List.of("test_accuracy", "train_accuracy", "val_accuracy",
            "test_loss", "train_loss", "val_loss");

    public static final Section CHECKPOINT = section("checkpoint", "resumable checkpoints and the best model",
            key("every", integer(0, 100_000), 1, "save a resumable checkpoint every N epochs, 0 = never"),
            optional("best", oneOfWords(EPOCH_METRICS), "none", "also keep the model of the best epoch by this"
                    + " metric, `best_model.zip` beside `model.zip` (accuracies highest, losses lowest; the first of"
                    + " equals)").example("val_accuracy"));

    public static final Section EARLY_STOPPING = section("early_stopping",
            "completes the run once a metric has stopped improving",
            required("metric", oneOfWords(EPOCH_METRICS), "the metric watched (accuracies must rise, losses fall)")
                    .example("val_loss"),
            key("patience", integer(1, 100_000), 5, "epochs without improvement before the run stops"),
            key("min_delta", num(Range.NON_NEGATIVE), 0.0, "an improvement is a change by more than this"));

    public static final Section INIT_FROM = section("init_from", "start from another run's trained weights (fine-tuning)",
            required("run", TEXT, "the run folder (or a model file in one), relative to the file that says it")
                    .example("results/origin/20261127-101500"),
            key("model", oneOfWords("last", "best"), "last", "`last`: its `model.zip`; `best`: its `best_model.zip`"),
            key("layers", oneOfWords("all", "matching"), "all", "`all`: every layer with parameters must be in the run"
                    + " with the same name and shapes; `matching`: those that are get its weights, the rest are"
                    + " initialised as declared"));

    /** {@code sweep.random}: trials drawn at random (SweepLoader reads the distributions). */
    public static final Section SWEEP_RANDOM = section("sweep_random", "trials drawn at random, reproducibly",
            required("trials", integer(1, 10_000), "how many trials to draw"),
            key("seed", integer(0, Integer.MAX_VALUE), 0, "the same seed draws the same trials"),
            required("params", new Anything(), "key path: distribution (`{log_uniform: [low, high]}`, `{uniform:"
                    + " [low, high]}`, `{int_uniform: [low, high]}`, `{choice: [a, b]}` or a list)"));

    /** {@code sweep.tpe}: trials suggested by TPE from the earlier ones (same keys as {@code random}). */
    public static final Section SWEEP_TPE = section("sweep_tpe", "trials suggested by TPE (the first 10 at random)",
            required("trials", integer(1, 10_000), "how many trials to run"),
            key("seed", integer(0, Integer.MAX_VALUE), 0, "the same seed and results give the same trials"),
            required("params", new Anything(), "key path: distribution, as for `random`"));

    /** {@code sweep.pruning.asha} and {@code .hyperband}: successive halving over epochs. */
    public static final Section SWEEP_HALVING = section("sweep_halving", "successive halving over epochs",
            key("min_epochs", integer(1, 100_000), 1, "the first rung: every trial trains at least this long"),
            optional("max_epochs", integer(1, 100_000), "the experiment's `epochs`",
                    "the top rung: trials promoted this far complete (their `epochs` is set to it)"),
            key("reduction_factor", integer(2, 100), 4, "rungs at min_epochs x factor^k; the best 1/factor of a"
                    + " rung go on"));

    /** {@code sweep.pruning}: stop hopeless trials early. */
    public static final Section SWEEP_PRUNING = section("sweep_pruning", "stop the worst trials at rungs",
            optional("asha", SWEEP_HALVING, "none", "asynchronous successive halving (one bracket)"),
            optional("hyperband", SWEEP_HALVING, "none", "Hyperband: brackets of ASHA starting at each rung"));

    /** {@code sweep}: many trials of the experiment for {@code runner sweep} (SweepLoader expands it). */
    public static final Section SWEEP = section("sweep", "many trials of the experiment, for `runner sweep`",
            optional("grid", new Anything(), "none", "key path: list of values; the trials are every combination"),
            optional("random", SWEEP_RANDOM, "none", "trials drawn at random"),
            optional("tpe", SWEEP_TPE, "none", "trials suggested by TPE (tree-structured Parzen estimator)"),
            optional("metric", new Anything(), "`test_accuracy`", "what \"best\" means: `test_accuracy`,"
                    + " `train_accuracy`, `val_accuracy`, `test_loss`, `train_loss` or `val_loss` (the last epoch's),"
                    + " or `{max: NAME}` / `{min: NAME}`"),
            optional("pruning", SWEEP_PRUNING, "none", "`asha` or `hyperband`: stop the worst trials early"),
            key("seeds", integer(1, 100), 1, "run each configuration at this many seeds (the experiment's `seed`,"
                    + " +1, ...): tables show mean ± sd and a 95 % CI"),
            optional("max_trials", integer(1, 10_000), "no limit", "start at most this many trials"),
            optional("max_minutes", num(Range.POSITIVE), "no limit", "start no trial (nor promotion) after this"
                    + " much wall time (summed over --resume)"),
            optional("max_concurrent", integer(1, 10_000), "the executor's slots", "trials at once at most"));

    /** The top level of an experiment file, keys in the order of the resolved experiment. */
    public static final Section EXPERIMENT = section("experiment", "an experiment file",
            optional("name", EXPERIMENT_NAME, "the file name without `.yaml`", "results go to `results/<name>/<run-id>/`"),
            optional("extends", TEXT, "none", "a parent file (path relative to this file) whose keys this file overrides"),
            key("description", TEXT, "", "free text, copied into the results"),
            key("seed", integer(0, Integer.MAX_VALUE), 42, "seeds weights, shuffling, augmentation and dropout"),
            key("epochs", num(new Range(0, true, 100_000, false)), 1, "passes over the training set; a fraction"
                    + " (`9.9`) ends the last epoch early, after ceil(epochs x batches per epoch) steps in all"),
            optional("data", DATA, "see `data`", "dataset, batch sizes, augmentation, normalisation"),
            required("model", MODEL, "the network"),
            required("optimizer", OPTIMIZER, "`sgd`, `adam` or `adamw`"),
            key("schedule", SCHEDULE, "constant", "learning rate over time"),
            optional("lr_range_test", LR_RANGE_TEST, "none", "turns the run into an LR range test"),
            optional("evaluate", EVALUATE, "`{train: false, test: true}`", "what to measure after each epoch"),
            optional("visualize", VISUALIZE, "no feature maps", "pictures to draw"),
            optional("checkpoint", CHECKPOINT, "`{every: 1}`", "how often to save a resumable checkpoint, and"
                    + " whether to keep the best epoch's model"),
            optional("early_stopping", EARLY_STOPPING, "none", "complete the run once a metric stops improving"),
            optional("init_from", INIT_FROM, "none", "start from another run's trained weights (fine-tuning)"),
            key("engine", oneOfWords(ENGINES), "auto", "what trains and evaluates the network: `onednn` the oneDNN"
                    + " engine (CPU), `dl4j` DL4J's own layers (the reference), `auto` the first on a CPU and the second"
                    + " on CUDA; `--engine` overrides it (see [speed.md](speed.md))"),
            key("precision", oneOfWords(PRECISIONS), "fp32", "the numbers the network computes in: `fp32`, `bf16`"
                    + " (mixed precision on the onednn engine, as torch.autocast; needs AVX512-BF16 or AMX) or `auto`"
                    + " (bf16 where it is fast, else fp32): see [Precision](#precision)"),
            optional("sweep", SWEEP, "none", "many trials of the experiment, for `runner sweep`; `runner run`"
                    + " ignores it (see `sweep` below)"));

    /** The types referred to by name ({@link Ref}), also the JSON Schema's definitions. */
    public static final Map<String, Type> NAMED = named();

    private static Map<String, Type> named() {
        Map<String, Type> m = new LinkedHashMap<>();
        m.put("init", InitSpec.SCHEMA);
        m.put("batchnorm_init", BatchNorm.INIT);
        m.put("schedule", SCHEDULE);
        return m;
    }
}
