package dev.runner.data;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One pass over an {@link ImageSet} as DL4J {@link DataSet}s, assembled by a small pool of daemon threads that
 * stay at most {@code prefetch} batches ahead of the consumer. Batches come out in order; each batch's content is
 * a function of (seed, epoch, image index) only, so it does not depend on the number of threads.
 *
 * <p><b>Batches are recycled:</b> the arrays of a full batch are refilled once the consumer has taken
 * {@link #KEEP} + 1 further batches (the batch from {@code next()} and the {@value #KEEP} before it are intact).
 * Use a batch before asking for the next ones, or {@code dup()} what you keep. After the pass ends or
 * {@link #close()}, nothing is overwritten any more. A fresh native allocation per batch would cost more than the
 * augmentation itself.
 *
 * <p>{@link #reset()} replays the very same pass (same order, same augmentation): one iterator is one epoch;
 * for the next epoch ask {@link Batches#train} for a new iterator. Call {@link #close()} when abandoning a pass
 * early; the threads also stop by themselves once the last batch has been handed out.
 */
public final class EpochIterator implements DataSetIterator, AutoCloseable {
    private static final long serialVersionUID = 1L;
    private static final AtomicInteger POOL_ID = new AtomicInteger();
    /** Batches handed out before the latest one whose arrays are still intact. */
    public static final int KEEP = 2;

    private final ImageSet set;
    private final Augmenter augmenter;
    private final int[] order;
    private final long rngBase;
    private final boolean random;
    private final int batchSize;
    private final boolean nhwc;
    private final int workers;
    private final int prefetch;
    private final int batches;
    private final String name;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final Condition space = lock.newCondition();
    // guarded by lock
    private DataSet[] slots;
    private int nextToBuild;
    private int nextToHand;
    private boolean closed;
    private Throwable failure;
    private ExecutorService pool;
    private DataSetPreProcessor preProcessor;
    private INDArray[] ring;
    private INDArray[] ringLabels;
    private int generation;

    EpochIterator(ImageSet set, Augmenter augmenter, int[] order, long rngBase, boolean random, int batchSize,
                  boolean dropLast, String layout, int workers, int prefetch, String name) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        if (workers <= 0 || prefetch <= 0) {
            throw new IllegalArgumentException("workers and prefetch must be > 0");
        }
        this.set = set;
        this.augmenter = augmenter;
        this.order = order;
        this.rngBase = rngBase;
        this.random = random;
        this.batchSize = batchSize;
        this.nhwc = Batches.isNhwc(layout);
        this.workers = workers;
        this.prefetch = Math.max(prefetch, workers);
        this.batches = dropLast ? order.length / batchSize : (order.length + batchSize - 1) / batchSize;
        this.name = name;
        start();
    }

    /** Number of batches in this pass (the last one may be partial unless drop_last). */
    public int batchCount() {
        return batches;
    }

    private void start() {
        lock.lock();
        try {
            slots = new DataSet[batches];
            // batch b uses ring[b % ring.length]; workers stay < prefetch batches ahead, so a slot is refilled only
            // after the consumer has taken KEEP more batches
            ring = new INDArray[prefetch + KEEP + 1];
            ringLabels = new INDArray[ring.length];
            generation++;
            nextToBuild = 0;
            nextToHand = 0;
            closed = false;
            failure = null;
            if (batches == 0) {
                return;
            }
            int threads = Math.min(workers, batches);
            int id = POOL_ID.incrementAndGet();
            AtomicInteger t = new AtomicInteger();
            pool = Executors.newFixedThreadPool(threads, r -> {
                Thread th = new Thread(r, "runner-data-" + name + "-" + id + "-" + t.incrementAndGet());
                th.setDaemon(true);
                return th;
            });
            int gen = generation;
            for (int i = 0; i < threads; i++) {
                pool.execute(() -> work(gen));
            }
            pool.shutdown(); // no more tasks; threads end when work() returns
        } finally {
            lock.unlock();
        }
    }

    private void work(int gen) {
        Augmenter.Scratch scratch;
        float[] full;
        try {
            scratch = augmenter.newScratch();
            full = new float[Math.multiplyExact(batchSize, augmenter.outputFloats())];
        } catch (Throwable e) {
            // out of memory or too large: the consumer must hear of it, not wait for a batch forever
            fail(gen, e instanceof ArithmeticException
                    ? new OutOfMemoryError("a batch of " + batchSize + " images does not fit in one array") : e);
            return;
        }
        while (true) {
            int b;
            INDArray[] ringF;
            INDArray[] ringL;
            lock.lock();
            try {
                while (gen == generation && !closed && nextToBuild < batches && nextToBuild >= nextToHand + prefetch) {
                    space.awaitUninterruptibly();
                }
                if (gen != generation || closed || nextToBuild >= batches) {
                    return;
                }
                b = nextToBuild++;
                ringF = ring;          // this generation's arrays, even if reset() replaces them meanwhile
                ringL = ringLabels;
            } finally {
                lock.unlock();
            }
            DataSet ds;
            try {
                ds = build(b, full, scratch, ringF, ringL);
            } catch (Throwable e) {
                fail(gen, e);
                return;
            }
            lock.lock();
            try {
                if (gen != generation || closed) {
                    return;
                }
                slots[b] = ds;
                ready.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Records a worker's failure for the consumer (if this generation is still live) and wakes everyone. */
    private void fail(int gen, Throwable e) {
        lock.lock();
        try {
            if (gen == generation && !closed) {
                failure = e;
                closed = true;
            }
            ready.signalAll();
            space.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private DataSet build(int b, float[] full, Augmenter.Scratch scratch, INDArray[] ring, INDArray[] ringLabels) {
        int from = b * batchSize;
        int n = Math.min(batchSize, order.length - from);
        int per = augmenter.outputFloats();
        float[] features = full;
        int classes = set.numClasses();
        float[] labels = new float[n * classes];
        byte[] pixels = set.pixels();
        int imageBytes = set.imageBytes();
        int[] lab = set.labels();
        for (int i = 0; i < n; i++) {
            int image = order[from + i];
            SplittableRandom rng = random ? new SplittableRandom(Batches.mix(rngBase, image)) : null;
            augmenter.apply(pixels, image * imageBytes, image, rng, features, i * per, nhwc, scratch);
            labels[i * classes + lab[image]] = 1f;
        }
        long[] shape = nhwc
                ? new long[] {n, augmenter.outH, augmenter.outW, augmenter.channels}
                : new long[] {n, augmenter.channels, augmenter.outH, augmenter.outW};
        INDArray f;
        INDArray l;
        if (n == batchSize) {
            // full batches recycle a ring of native arrays: a fresh 0.8 MB native allocation per batch costs more
            // than the augmentation itself (malloc/mmap, page faults, GC-driven frees)
            int slot = b % ring.length;
            if (ring[slot] == null) {
                ring[slot] = Nd4j.createUninitializedDetached(DataType.FLOAT, shape);
                ringLabels[slot] = Nd4j.createUninitializedDetached(DataType.FLOAT, n, classes);
            }
            f = ring[slot];
            l = ringLabels[slot];
            new FloatPointer(f.data().addressPointer()).put(features, 0, n * per);
            new FloatPointer(l.data().addressPointer()).put(labels, 0, n * classes);
        } else {
            f = Nd4j.create(java.util.Arrays.copyOf(features, n * per), shape, 'c');
            l = Nd4j.create(labels, new long[] {n, classes}, 'c');
        }
        return new DataSet(f, l);
    }

    @Override
    public boolean hasNext() {
        lock.lock();
        try {
            rethrow();
            return !closed && nextToHand < batches;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public DataSet next() {
        DataSet ds;
        lock.lock();
        try {
            rethrow();
            if (nextToHand >= batches) {
                throw new NoSuchElementException("epoch finished after " + batches + " batches");
            }
            if (closed) {
                throw new IllegalStateException("iterator closed");
            }
            while (slots[nextToHand] == null) {
                ready.awaitUninterruptibly();
                rethrow();
                if (closed) {
                    throw new IllegalStateException("iterator closed");
                }
            }
            ds = slots[nextToHand];
            slots[nextToHand] = null;
            nextToHand++;
            space.signalAll();
            if (nextToHand == batches) {
                closed = true;   // all built: the threads have returned or are returning
            }
        } finally {
            lock.unlock();
        }
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    private void rethrow() {
        if (failure != null) {
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("batch assembly failed: " + failure, failure);
        }
    }

    /** Stops the worker threads and drops prefetched batches. Idempotent. */
    @Override
    public void close() {
        ExecutorService p;
        lock.lock();
        try {
            closed = true;
            if (slots != null) {
                java.util.Arrays.fill(slots, null);
            }
            ready.signalAll();
            space.signalAll();
            p = pool;
        } finally {
            lock.unlock();
        }
        if (p != null) {
            p.shutdownNow();
        }
    }

    /** Waits up to {@code millis} for the worker threads to end. */
    boolean awaitThreads(long millis) throws InterruptedException {
        ExecutorService p = pool;
        return p == null || p.awaitTermination(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("the batch size is fixed at " + batchSize + "; call next()");
    }

    @Override
    public int inputColumns() {
        return augmenter.outputFloats();
    }

    @Override
    public int totalOutcomes() {
        return set.numClasses();
    }

    /** Supported: {@link #reset()} replays this same pass. */
    @Override
    public boolean resetSupported() {
        return true;
    }

    /** False: batches are already prefetched on background threads. */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    /** Replays the same pass from its first batch (same order and augmentation; not the next epoch). */
    @Override
    public void reset() {
        close();
        try {
            awaitThreads(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        start();
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return set.classes();
    }
}
