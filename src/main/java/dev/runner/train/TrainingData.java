package dev.runner.train;

import java.util.List;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The data the trainer reads: the CLI adapts {@code dev.runner.data.Batches} to it. Iterators that are
 * {@link AutoCloseable} are closed by the trainer when it is done with them. Labels are one-hot.
 */
public interface TrainingData {
    /** Class names in label order. */
    List<String> classes();

    /** Training batches per epoch (the last partial batch counts). */
    int iterationsPerEpoch();

    /**
     * The training batches of epoch {@code epoch} (0-based), in training mode (shuffled, augmented). Must be a
     * function of the seed and {@code epoch} only: a resumed run asks for the same epoch again and skips the
     * batches already done.
     */
    DataSetIterator train(int epoch);

    /** The test set with evaluation transforms (normalize only). */
    DataSetIterator test();

    /** The training set with evaluation transforms, for train accuracy in evaluation mode. */
    DataSetIterator trainEval();
}
