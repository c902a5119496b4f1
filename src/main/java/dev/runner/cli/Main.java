package dev.runner.cli;

import dev.runner.JvmError;
import dev.runner.UserError;
import dev.runner.results.Provenance;
import dev.runner.spec.lang.SpecException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code runner}: {@code runner FILE.yaml} runs an experiment; subcommands run, check, bench, diff, report, sweep,
 * table, serve, schema, predict, evaluate, export. */
@Command(name = "runner", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Declarative deep-learning experiments on Deeplearning4j.%n"
                + "'runner FILE.yaml' is 'runner run FILE.yaml'.",
        subcommands = {RunCommand.class, CheckCommand.class, BenchCommand.class, DiffCommand.class,
                ReportCommand.class, SweepCommand.class, TableCommand.class, ServeCommand.class, SchemaCommand.class,
                PredictCommand.class, EvaluateCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "An experiment file to run.")
    java.nio.file.Path file;

    @Mixin
    RunCommand.RunOptions options = new RunCommand.RunOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Invocation invocation;

    Main(Invocation invocation) {
        this.invocation = invocation;
    }

    @Override
    public Integer call() {
        if (file == null) {
            spec.commandLine().usage(spec.commandLine().getOut());
            spec.commandLine().getErr().println("runner: give a command or an experiment file (usage above)");
            spec.commandLine().getErr().flush();
            return 2;
        }
        unknownCommand(file.toString());
        return RunCommand.run(file, options, invocation);
    }

    public static void main(String[] args) {
        // an Error on another thread (data decoding, a library's worker): one line, not a trace
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (System.getenv("RUNNER_DEBUG") != null) {
                e.printStackTrace();
            }
            System.err.println("runner: " + (e instanceof Error err ? JvmError.describe(err)
                    : "internal error in thread " + t.getName() + ": " + e));
        });
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code. */
    public static int execute(String... args) {
        return execute(Invocation.of(args));
    }

    /** Runs {@code invocation}'s command line, its commands given what it attaches; returns the exit code. */
    public static int execute(Invocation invocation) {
        String[] args = invocation.argv().toArray(String[]::new);
        dev.runner.model.ModelZip.installSerialFilter();
        System.setProperty("java.awt.headless", "true");
        CommandLine cl = new CommandLine(new Main(invocation), new Commands(invocation));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::badFlag);
        cl.setExecutionExceptionHandler((e, line, parsed) -> report(e, line.getErr()));
        try {
            return stdoutWritten(cl.execute(args), cl.getErr());
        } catch (Error e) {
            // picocli passes Errors through: out of memory, stack overflow, a broken VM
            return jvmError(e, cl.getErr());
        }
    }

    /**
     * {@code code}, or 1 when what the command printed did not reach standard output (a full disk, a closed pipe):
     * {@link java.io.PrintStream} keeps such an error to itself, so {@code runner schema > /dev/full} said 0.
     */
    static int stdoutWritten(int code, PrintWriter err) {
        if (System.out.checkError()) {
            err.println("runner: cannot write to standard output (the disk is full or the reader has gone)");
            err.flush();
            return code == 0 ? 1 : code;
        }
        return code;
    }

    /** A JVM error as one line ({@link JvmError}), exit 1; the stack trace only with RUNNER_DEBUG set. */
    static int jvmError(Error e, PrintWriter err) {
        if (System.getenv("RUNNER_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.println("runner: " + JvmError.describe(e));
        err.flush();
        return 1;
    }

    /**
     * {@code runner WORD} where WORD is neither a command nor a file: an unknown command (exit 2), not a missing
     * experiment file or picocli's "Unmatched argument".
     */
    static void unknownCommand(String word) {
        java.nio.file.Path p = java.nio.file.Path.of(word);
        if (word.startsWith("-") || java.nio.file.Files.exists(p) || word.endsWith(".yaml") || word.endsWith(".yml")
                || word.contains("/") || word.contains(java.io.File.separator)) {
            return;
        }
        Invocation none = Invocation.of(new String[0]);
        String commands = String.join(", ", new CommandLine(new Main(none), new Commands(none)).getSubcommands()
                .keySet());
        throw new dev.runner.UserError("unknown command '" + dev.runner.Text.printable(word, 60)
                + "' (commands: " + commands + "; an experiment file ends in .yaml)", 2, null);
    }

    private static int badFlag(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        if (e.getCommandLine().getParent() == null && args.length > 0) {
            try {
                unknownCommand(args[0]);
            } catch (dev.runner.UserError u) {
                err.println("runner: " + u.getMessage());
                err.flush();
                return 2;
            }
        }
        String cmd = e.getCommandLine().getCommandSpec().qualifiedName();
        err.println("runner: " + e.getMessage() + " (see '" + cmd + " --help')");
        err.flush();
        return 2;
    }

    /** One line, no stack trace (unless RUNNER_DEBUG is set); the exit code says what kind of problem. */
    static int report(Exception e, PrintWriter err) {
        if (System.getenv("RUNNER_DEBUG") != null) {
            e.printStackTrace(err);
        }
        int code;
        if (e instanceof SpecException) {
            err.println(e.getMessage());
            code = 2;
        } else if (e instanceof UserError u) {
            err.println("runner: " + u.getMessage());
            code = u.exitCode();
        } else if (e instanceof java.io.UncheckedIOException) {
            err.println("runner: " + e.getMessage());
            code = 1;
        } else if (e.getCause() instanceof Error jvm) {
            err.println("runner: " + JvmError.describe(jvm));
            code = 1;
        } else {
            String msg = e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("");
            err.println("runner: internal error: " + e.getClass().getSimpleName() + msg
                    + " (set RUNNER_DEBUG=1 for details)");
            code = 1;
        }
        err.flush();
        return code;
    }

    /** Makes the commands that take the invocation (run, sweep, check) with it, the others as picocli does. */
    private record Commands(Invocation invocation) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == RunCommand.class) {
                return cls.cast(new RunCommand(invocation));
            }
            if (cls == SweepCommand.class) {
                return cls.cast(new SweepCommand(invocation));
            }
            if (cls == CheckCommand.class) {
                return cls.cast(new CheckCommand(invocation));
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    /** {@code --version}: runner's version, git commit and backend. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"runner " + Provenance.runnerVersion()};
        }
    }
}
