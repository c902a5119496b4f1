package dev.runner.spec;

/**
 * How a conv or dense layer's weights are drawn, with PyTorch's names and meanings ({@code torch.nn.init}); the
 * kinds and their arguments are described in {@link Language#INIT}.
 * Biases keep PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), whatever the weights' init (as when a
 * PyTorch model calls {@code nn.init.kaiming_normal_(m.weight)}).
 */
public sealed interface InitSpec {
    InitSpec PYTORCH = new Pytorch();

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

    /** zeros_ (0) or ones_ (1). */
    record Constant(double value) implements InitSpec {
        public String kind() {
            return value == 0 ? "zeros" : "ones";
        }
    }
}
