package dev.runner.cli;

import dev.runner.data.Datasets;
import dev.runner.model.Backend;
import dev.runner.model.CompileOptions;
import dev.runner.model.ModelCompiler;
import dev.runner.model.Network;
import dev.runner.spec.Experiment;
import dev.runner.spec.OptimizerSpec;
import dev.runner.train.Schedules;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner check FILE...}: validates experiments and prints each compiled network as a table. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate experiment files and print each network: layer, type, output shape, parameters.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Experiment files.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key (repeatable).")
    List<String> sets = new ArrayList<>();

    @Mixin
    PlacementOptions placement = new PlacementOptions();

    private final Invocation invocation;

    CheckCommand(Invocation invocation) {
        this.invocation = invocation;
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        placement.startBackend();
        for (Path f : files) {
            Experiment exp = Pipeline.load(f, placement.sets(sets));
            Pipeline.checkShape(exp, Datasets.imageShape(exp.data()));
            // Build the schedule too, so every section is checked the way `run` will use it.
            OptimizerSpec opt = exp.optimizer();
            if (!Double.isNaN(opt.lr())) {
                Schedules.of(exp.schedule(), opt.lr(), 100, exp.epochs());
            }
            dev.runner.model.MemoryEstimate mem = Pipeline.memory(exp, exp.data().batchSize());
            if (files.size() > 1) {
                out.println("== " + f);
            }
            out.println(describe(exp));
            out.println(mem.describe());
            out.flush();
            mem.check(Pipeline.precisionAskedFor(exp));
            Network net = ModelCompiler.computationGraph().compile(exp.model(),
                    CompileOptions.defaults(exp.seed(), new Sgd(1e-3)).withEngine(exp.engine())
                            .withPrecision(exp.precision()).withCpuIsa(invocation.cpuIsa()));
            out.println(Pipeline.table(net, exp.data().batchSize()));
            out.println("engine: " + net.placement());
            out.println("precision: " + net.precision());
        }
        return 0;
    }

    /** The experiment's essentials in a few lines, above the table. */
    static String describe(Experiment exp) {
        StringBuilder sb = new StringBuilder();
        sb.append(exp.name());
        if (exp.description() != null && !exp.description().isBlank()) {
            sb.append(": ").append(exp.description().strip().lines().findFirst().orElse(""));
        }
        sb.append('\n');
        OptimizerSpec o = exp.optimizer();
        String lr = o.lrFromRangeTest() != null ? "from range test " + o.lrFromRangeTest()
                : String.format(Locale.ROOT, "%.4g", o.lr());
        if (exp.lrRangeTest() != null) {
            var t = exp.lrRangeTest();
            sb.append(String.format(Locale.ROOT, "LR range test: %s from %.3g to %.3g over %d iterations%n",
                    t.mode(), t.startLr(), t.endLr(), t.iterations()));
        } else {
            sb.append(String.format(Locale.ROOT, "%s epochs, batch %d%s, %s lr %s, schedule %s%n",
                    dev.runner.train.Trainer.epochsText(exp.epochs()),
                    exp.data().batchSize(), exp.data().dropLast() ? " (drop_last)" : "", o.type(), lr,
                    scheduleName(exp)));
        }
        return sb.toString();
    }

    private static String scheduleName(Experiment exp) {
        return exp.schedule().getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
}
