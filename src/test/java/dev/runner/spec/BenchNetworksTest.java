package dev.runner.spec;

import dev.runner.spec.layers.LayerKinds;
import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.layers.Add;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Concat;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.Dropout;
import dev.runner.spec.layers.GlobalPool;
import dev.runner.spec.layers.Pool;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The benchmark networks under bench/networks/ load, have their PyTorch twins' sizes (bench/twins.py), and
 * together use every layer kind and option of the language (docs/speed.md, "Benchmark networks").
 */
class BenchNetworksTest {
    static final Path DIR = Path.of("bench", "networks");

    /** Trainable parameters of each network's twin, as PyTorch counts them ({@code bench/torch_ref.py --list}). */
    static final Map<String, Long> TWIN_PARAMS = Map.of("branches", 78_658L, "gelu_mlp", 1_070_794L,
            "vgg_dropout", 814_570L, "tiny", 2_250L, "wide", 392_778L, "respool", 310_442L,
            "inverted_res", 46_954L);

    static List<Experiment> load() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().map(ExperimentLoader::load).toList();
        }
    }

    @Test
    void everyNetworkLoadsWithItsTwinsParameterCount() throws IOException {
        List<Experiment> all = load();
        assertThat(all).extracting(Experiment::name).containsExactlyInAnyOrderElementsOf(TWIN_PARAMS.keySet());
        for (Experiment e : all) {
            assertThat(e.description()).as(e.name()).isNotBlank();
            assertThat(Shapes.totalParams(e.model())).as(e.name()).isEqualTo(TWIN_PARAMS.get(e.name()));
        }
    }

    @Test
    void togetherTheyUseEveryLayerAndOption() throws IOException {
        Set<String> seen = new HashSet<>();
        Set<String> sizes = new HashSet<>();
        for (Experiment e : load()) {
            ModelSpec m = e.model();
            Map<String, int[]> shapes = Shapes.infer(m);
            sizes.add(m.input()[1] + "x" + m.input()[2]);
            seen.add("optimizer " + e.optimizer().type());
            for (LayerNode n : m.nodes()) {
                LayerSpec l = n.layer();
                int[] in = n.inputs().isEmpty() ? m.input() : shapes.get(n.inputs().get(0));
                String kind = kindOf(l);
                seen.add(kind);
                List<String> opts = new ArrayList<>();
                if (l instanceof Conv c) {
                    boolean strided = c.stride()[0] > 1 || c.stride()[1] > 1;
                    opts.add(c.padding() == null ? (strided ? "same strided" : "same")
                            : c.padding()[0] != c.padding()[1] ? "padding [h, w]"
                            : c.padding()[0] > 0 ? "padding" : "valid");
                    if (strided) opts.add("stride");
                    if (c.dilation()[0] > 1) opts.add("dilation");
                    if (c.kernel()[0] != c.kernel()[1]) opts.add("kernel [h, w]");
                    opts.add(c.bias() ? "bias" : "no bias");
                    if (c.activation() != null) opts.add("activation " + c.activation());
                } else if (l instanceof Dense d) {
                    opts.add(d.bias() ? "bias" : "no bias");
                    if (d.activation() != null) opts.add("activation " + d.activation());
                } else if (l instanceof Pool p) {
                    if (p.padding() != null && p.padding()[0] > 0) opts.add("padding");
                } else if (l instanceof BatchNorm || l instanceof Dropout) {
                    opts.add(in.length == 3 ? "maps" : "vectors");
                } else if (l instanceof Add || l instanceof Concat) {
                    opts.add(n.inputs().size() == 2 ? "2 inputs" : "3+ inputs");
                    opts.add(in.length == 3 ? "maps" : "vectors");
                }
                for (String o : opts) seen.add(kind + " " + o);
            }
        }
        assertThat(seen).containsAll(LayerKinds.NAMES);
        assertThat(seen).contains("conv padding", "conv padding [h, w]", "conv valid", "conv same",
                "conv same strided", "conv stride", "conv dilation", "conv kernel [h, w]", "conv bias", "conv no bias",
                "dense bias", "dense no bias", "maxpool padding", "avgpool padding", "batchnorm maps",
                "batchnorm vectors", "dropout maps", "dropout vectors", "add 2 inputs", "add 3+ inputs",
                "concat 2 inputs", "concat 3+ inputs", "concat vectors");
        for (String a : Activation.NAMES) assertThat(seen).contains("conv activation " + a);
        assertThat(seen).contains("dense activation relu", "dense activation gelu");
        for (String o : List.of("sgd", "adam", "adamw")) assertThat(seen).contains("optimizer " + o);
        assertThat(sizes).hasSizeGreaterThanOrEqualTo(3);
    }

    /** The kind as written in a file. (Pool's and GlobalPool's record accessor kind() shadows LayerSpec#kind().) */
    private static String kindOf(LayerSpec l) {
        String k = l.kind();
        if (l instanceof Pool && !k.endsWith("pool")) return k + "pool";
        if (l instanceof GlobalPool && !k.startsWith("global_")) return "global_" + k + "pool";
        return k;
    }
}
