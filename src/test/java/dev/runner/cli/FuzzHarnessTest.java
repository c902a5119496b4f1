package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzzing harness's fixed-seed budget (docs/cli.md, "Fuzzing"): {@code fuzz.tries} cases of each target
 * ({@link FuzzTargets}) from seed {@code fuzz.seed}, the same cases on every run. CI runs the default budget;
 * {@code mvn -B -ntp test -Dtest=FuzzHarnessTest -Dfuzz.tries=2000 -Dfuzz.seed=N} runs a longer one, and
 * {@link CoverageGuidedFuzzTest} lets Jazzer steer the inputs.
 */
class FuzzHarnessTest {
    static final int TRIES = Integer.getInteger("fuzz.tries", 40);
    static final long SEED = Long.getLong("fuzz.seed", 26);

    @TempDir
    static Path tmp;
    static FuzzTargets targets;

    @BeforeAll
    static void setUp() throws Exception {
        targets = new FuzzTargets(tmp);
    }

    @AfterAll
    static void count() {
        System.out.println("fuzz: " + targets.cases + " cases from seed " + SEED + ", none broke the invariant");
    }

    /** A target's case. */
    interface Case {
        void run(FuzzInput in) throws Exception;
    }

    /** {@link #TRIES} cases of one target; every case that breaks the invariant is listed (at most 10). */
    static void budget(long seed, Case c) throws Exception {
        FuzzInput in = FuzzInput.seeded(seed);
        List<String> found = new ArrayList<>();
        for (int i = 0; i < TRIES && found.size() < 10; i++) {
            try {
                c.run(in);
            } catch (AssertionError e) {
                found.add("case " + i + ": " + e.getMessage());
            }
        }
        assertThat(found).as("cases that broke the invariant").isEmpty();
    }

    @Test
    void mutatedExperimentFiles() throws Exception {
        budget(SEED, targets::experimentCase);
    }

    @Test
    void mutatedResultsFolders() throws Exception {
        budget(SEED + 1, targets::resultsCase);
    }

    @Test
    void randomCommandLines() throws Exception {
        budget(SEED + 2, targets::cliCase);
    }
}
