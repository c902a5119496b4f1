package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import java.util.Map;
import dev.runner.spec.lang.Fields;
import dev.runner.spec.lang.Vocabulary;
import dev.runner.spec.lang.YNode;

/**
 * How a conv or dense layer's weights are drawn, with PyTorch's names and meanings ({@code torch.nn.init}); the
 * kinds and their arguments are described in {@link #SCHEMA}, which {@link #read} reads.
 * Biases keep PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), whatever the weights' init (as when a
 * PyTorch model calls {@code nn.init.kaiming_normal_(m.weight)}).
 */
public sealed interface InitSpec {
    InitSpec PYTORCH = new Pytorch();

    /** {@code nonlinearity} values, as {@code torch.nn.init.calculate_gain}. */
    List<String> NONLINEARITIES = List.of("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu");

    /** How a conv or dense layer's weights are drawn (biases keep PyTorch's default). */
    OneOf SCHEMA = new OneOf("init",
            "how conv and dense weights are drawn, with torch.nn.init's names; biases keep PyTorch's default U(+-1/sqrt(fan_in))",
            List.of(
                    Vocabulary.kind("pytorch", null, "each layer's PyTorch default: kaiming_uniform(a = sqrt 5), i.e. U(+-1/sqrt(fan_in))"),
                    kaiming("kaiming_normal", "normal(0, std)"),
                    kaiming("kaiming_uniform", "uniform(+-sqrt(3) std)"),
                    xavier("xavier_normal", "normal(0, std)"),
                    xavier("xavier_uniform", "uniform(+-sqrt(3) std)"),
                    Vocabulary.kind("normal", null, "`torch.nn.init.normal_`",
                            key("mean", num(Range.ANY), 0.0, "mean"),
                            required("std", num(Range.NON_NEGATIVE), "standard deviation")),
                    Vocabulary.kind("uniform", null, "`torch.nn.init.uniform_`: uniform in [low, high)",
                            required("low", num(Range.ANY), "lower bound"),
                            required("high", num(Range.ANY), "upper bound, > low")),
                    Vocabulary.kind("zeros", null, "all weights 0"),
                    Vocabulary.kind("ones", null, "all weights 1"),
                    Vocabulary.kind("dirac", null, "conv only, `torch.nn.init.dirac_`: filter i passes input channel i"
                                    + " through unchanged (1 at the kernel's centre) for i < min(filters, in_channels)",
                            key("others", oneOfWords("zeros", "pytorch"), "zeros", "the other filters: `zeros` (as"
                                    + " dirac_) or `pytorch` (the layer's default draw)")),
                    Vocabulary.kind("whitening", null, "conv on the network's input only, from the data: the"
                                    + " eigenvectors of the covariance of the kernel-sized patches of the first `images`"
                                    + " training images (normalised, not augmented), each divided by sqrt(eigenvalue +"
                                    + " eps), largest first; with 2x as many filters as patch values, then the same"
                                    + " negated; the bias 0",
                            key("eps", num(Range.POSITIVE), 5e-4, "added to each eigenvalue"),
                            key("images", integer(1, 1_000_000), 5000, "how many training images' patches"))));

    private static Kind kaiming(String name, String dist) {
        return Vocabulary.kind(name, null, "`torch.nn.init." + name + "_`: " + dist + " with std = gain / sqrt(fan)",
                key("mode", oneOfWords("fan_in", "fan_out"), "fan_in",
                        "`fan_in` (in_channels x kh x kw) keeps the forward pass's variance, `fan_out` the backward's"),
                key("nonlinearity", oneOfWords(NONLINEARITIES), "leaky_relu",
                        "the gain: linear, sigmoid 1; tanh 5/3; relu sqrt 2; leaky_relu sqrt(2 / (1 + a^2)); selu 3/4"),
                key("a", num(Range.NON_NEGATIVE), 0.0, "the negative slope, for `leaky_relu`"));
    }

    private static Kind xavier(String name, String dist) {
        return Vocabulary.kind(name, null, "`torch.nn.init." + name + "_`: " + dist + " with std = gain * sqrt(2 / (fan_in + fan_out))",
                key("gain", num(Range.POSITIVE), 1.0, "scale factor"));
    }

    /** Reads an {@code init:} value; its resolved form goes into {@code out}. */
    static InitSpec read(YNode n, String path, Map<String, Object> out) {
        Fields.Choice c = Fields.choice(n, path, SCHEMA);
        Fields f = Fields.args(c, SCHEMA);
        InitSpec spec = switch (c.kind()) {
            case "kaiming_normal", "kaiming_uniform" -> new Kaiming(c.kind().endsWith("normal"),
                    f.getEnum("mode"), f.getEnum("nonlinearity"), f.getDouble("a"));
            case "xavier_normal", "xavier_uniform" -> new Xavier(c.kind().endsWith("normal"), f.getDouble("gain"));
            case "normal" -> new Normal(f.getDouble("mean"), f.getDouble("std"));
            case "uniform" -> {
                double low = f.getDouble("low"), high = f.getDouble("high");
                if (high <= low) throw Fields.err(f.node("high"), f.at("high"), "must be greater than low (" + low + ")");
                yield new Uniform(low, high);
            }
            case "zeros" -> new Constant(0);
            case "ones" -> new Constant(1);
            case "pytorch" -> PYTORCH;
            case "dirac" -> new Dirac(f.getEnum("others").equals("pytorch"));
            case "whitening" -> new Whitening(f.getDouble("eps"), f.getInt("images"));
            default -> throw new IllegalStateException("no init kind " + c.kind());
        };
        out.put(c.kind(), f.out);
        return spec;
    }

    /** The kind's name as written in an experiment file. */
    String kind();

    /** The layer's own default: kaiming_uniform(a=sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for conv and dense. */
    record Pytorch() implements InitSpec {
        public String kind() {
            return "pytorch";
        }
    }

    /** kaiming_normal_ / kaiming_uniform_: std = gain / sqrt(fan), mode fan_in or fan_out. */
    record Kaiming(boolean normal, String mode, String nonlinearity, double a) implements InitSpec {
        public String kind() {
            return normal ? "kaiming_normal" : "kaiming_uniform";
        }
    }

    /** xavier_normal_ / xavier_uniform_: std = gain * sqrt(2 / (fan_in + fan_out)). */
    record Xavier(boolean normal, double gain) implements InitSpec {
        public String kind() {
            return normal ? "xavier_normal" : "xavier_uniform";
        }
    }

    /** normal_(mean, std). */
    record Normal(double mean, double std) implements InitSpec {
        public String kind() {
            return "normal";
        }
    }

    /** uniform_(low, high). */
    record Uniform(double low, double high) implements InitSpec {
        public String kind() {
            return "uniform";
        }
    }

    /** dirac_: identity filters for the first min(out, in) channels; the others zero or PyTorch's default draw. */
    record Dirac(boolean othersDefault) implements InitSpec {
        public String kind() {
            return "dirac";
        }
    }

    /** Patch whitening from the training images (set after compiling, before training; the bias 0). */
    record Whitening(double eps, int images) implements InitSpec {
        public String kind() {
            return "whitening";
        }
    }

    /** zeros_ (0) or ones_ (1). */
    record Constant(double value) implements InitSpec {
        public String kind() {
            return value == 0 ? "zeros" : "ones";
        }
    }
}
