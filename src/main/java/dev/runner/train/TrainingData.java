package dev.runner.train;

import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;
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

    /** The validation set with evaluation transforms, or null when there is none. */
    default DataSetIterator val() {
        return null;
    }

    /**
     * Adapts functions to this interface, e.g. with the data helper's Batches:
     * {@code TrainingData.of(trainSet.classes(), ceil(n / batch), e -> Batches.train(trainSet, spec, seed, e, layout),
     * () -> Batches.eval(testSet, spec, spec.testBatchSize(), layout),
     * () -> Batches.eval(trainSet, spec, spec.testBatchSize(), layout))}.
     */
    static TrainingData of(List<String> classes, int iterationsPerEpoch, IntFunction<DataSetIterator> train,
                           Supplier<DataSetIterator> test, Supplier<DataSetIterator> trainEval) {
        return of(classes, iterationsPerEpoch, train, test, trainEval, null);
    }

    /** As {@link #of(List, int, IntFunction, Supplier, Supplier)} with a validation set ({@code val} null: none). */
    static TrainingData of(List<String> classes, int iterationsPerEpoch, IntFunction<DataSetIterator> train,
                           Supplier<DataSetIterator> test, Supplier<DataSetIterator> trainEval,
                           Supplier<DataSetIterator> val) {
        List<String> names = List.copyOf(classes);
        return new TrainingData() {
            @Override
            public List<String> classes() {
                return names;
            }

            @Override
            public int iterationsPerEpoch() {
                return iterationsPerEpoch;
            }

            @Override
            public DataSetIterator train(int epoch) {
                return train.apply(epoch);
            }

            @Override
            public DataSetIterator test() {
                return test.get();
            }

            @Override
            public DataSetIterator trainEval() {
                return trainEval.get();
            }

            @Override
            public DataSetIterator val() {
                return val == null ? null : val.get();
            }
        };
    }
}
