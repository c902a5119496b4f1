package dev.runner.cli;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuzzing harness's targets ({@link FuzzTargets}) driven by Jazzer, coverage-guided: with
 * {@code JAZZER_FUZZ=1} each {@code @FuzzTest} runs {@code maxExecutions} inputs Jazzer mutates towards new code
 * (docs/cli.md, "Fuzzing"); without it (as in CI) each runs its seed inputs only, a quick regression check.
 */
class CoverageGuidedFuzzTest {
    private static FuzzTargets targets;

    private static synchronized FuzzTargets targets() throws Exception {
        if (targets == null) {
            targets = new FuzzTargets(Files.createTempDirectory("runner-fuzz"));
        }
        return targets;
    }

    @FuzzTest(maxExecutions = 2000)
    void experimentFiles(FuzzedDataProvider data) throws Exception {
        targets().experimentCase(FuzzInput.jazzer(data));
    }

    @FuzzTest(maxExecutions = 2000)
    void resultsFolders(FuzzedDataProvider data) throws Exception {
        targets().resultsCase(FuzzInput.jazzer(data));
    }

    @FuzzTest(maxExecutions = 2000)
    void commandLines(FuzzedDataProvider data) throws Exception {
        targets().cliCase(FuzzInput.jazzer(data));
    }
}
