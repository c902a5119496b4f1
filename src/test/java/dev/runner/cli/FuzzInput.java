package dev.runner.cli;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The choices a fuzz case makes: from a seeded random source (the fixed-seed budget {@link FuzzHarnessTest} runs
 * in CI) or from Jazzer's coverage-guided input ({@link CoverageGuidedFuzzTest}, the longer budget).
 */
interface FuzzInput {
    /** A number from 0 to {@code bound - 1}. */
    int below(int bound);

    default boolean chance(int oneIn) {
        return below(oneIn) == 0;
    }

    default <T> T pick(List<T> items) {
        return items.get(below(items.size()));
    }

    /** From a seed: the same seed makes the same cases. */
    static FuzzInput seeded(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return r::nextInt;
    }

    /** From Jazzer's input (its bytes run out into zeros). */
    static FuzzInput jazzer(FuzzedDataProvider d) {
        return bound -> bound <= 1 ? 0 : d.consumeInt(0, bound - 1);
    }
}
