package dev.runner.cli;

import dev.runner.spec.JsonSchema;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code runner schema}: prints the experiment-file language as a JSON Schema, for editors. */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Print the JSON Schema (draft-07) of experiment files, for editor completion and checks. "
                + "The repository ships it as " + JsonSchema.PATH + ".")
final class SchemaCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.print(JsonSchema.text());
        System.out.flush();
        return 0;
    }
}
