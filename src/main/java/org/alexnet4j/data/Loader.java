package org.alexnet4j.data;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.tensor.Shape;

/**
 * A multi-threaded {@link BatchSource}: worker threads decode, preprocess and augment whole batches
 * ahead of the consumer into a ring of {@code prefetch + 1} reusable batches (the one the consumer holds
 * plus {@code prefetch} being filled). Batch contents depend only on (seed, epoch), never on the thread
 * count or on timing: the order is a seeded shuffle per epoch and each image's augmentation is a
 * function of (seed, epoch, image index).
 */
public final class Loader implements BatchSource {
    /**
     * @param batchSize images per batch (a TEN_CROP batch holds 10 inputs per image)
     * @param shuffle   a new seeded order every epoch (else dataset order)
     * @param dropLast  leave out the last batch when it would be smaller than batchSize
     * @param threads   worker threads (>= 1)
     * @param prefetch  batches prepared ahead of the consumer (>= 1)
     * @param seed      seeds shuffling and augmentation
     */
    public record Options(int batchSize, boolean shuffle, boolean dropLast, int threads, int prefetch, long seed) {
        public Options {
            if (batchSize <= 0 || threads <= 0 || prefetch <= 0) {
                throw new IllegalArgumentException("loader needs batchSize, threads and prefetch >= 1, got " + batchSize + ", " + threads + ", " + prefetch);
            }
            HostLimits.requireThreads("loader threads", threads);
        }

        /** Shuffled, last partial batch dropped, {@code threads} workers each one batch ahead. */
        public static Options training(int batchSize, int threads, long seed) {
            return new Options(batchSize, true, true, threads, Math.max(2, threads), seed);
        }

        /** Dataset order, every image kept. */
        public static Options evaluation(int batchSize, int threads) {
            return new Options(batchSize, false, false, threads, Math.max(2, threads), 0);
        }
    }

    private final BaseImages images;
    private final ImagePipeline pipeline;
    private final Options options;
    private final ExecutorService workers;
    private final Batch[] ring;
    private EpochBatches current;

    public Loader(BaseImages images, ImagePipeline pipeline, Options options) {
        if (images.side() != pipeline.side()) throw new IllegalArgumentException("base images of side " + images.side() + " do not match the pipeline's side " + pipeline.side());
        if (options.dropLast() && images.dataset().size() < options.batchSize()) {
            throw new DataException(images.dataset().size() + " images make no full batch of " + options.batchSize() + " (dropLast is set)");
        }
        this.images = images;
        this.pipeline = pipeline;
        this.options = options;
        this.workers = Executors.newFixedThreadPool(options.threads(), daemonThreads("alexnet4j-loader"));
        int inputs = HostLimits.arrayLength("the labels of a loader batch", (long) options.batchSize() * pipeline.cropsPerImage(), Integer.BYTES);
        Shape full = Shape.of(inputs, RgbImage.CHANNELS, pipeline.inputSize(), pipeline.inputSize());
        this.ring = new Batch[options.prefetch() + 1];
        for (int i = 0; i < ring.length; i++) ring[i] = new Batch(full, HostLimits.floats("a loader batch " + full, full.size()), new int[inputs]);
    }

    @Override public int imagesPerEpoch() {
        int n = images.dataset().size();
        return options.dropLast() ? n / options.batchSize() * options.batchSize() : n;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() { return (imagesPerEpoch() + options.batchSize() - 1) / options.batchSize(); }

    @Override public List<String> classNames() { return images.dataset().classNames(); }

    public ImagePipeline pipeline() { return pipeline; }

    public Options options() { return options; }

    /** Images skipped and upscaled so far (and their first messages). */
    public DataProblems problems() { return images.problems(); }

    /** Starts epoch {@code epoch} at batch {@code firstBatch}; an iterator of an earlier epoch stops and must not be used again. */
    @Override public synchronized Iterator<Batch> epoch(int epoch, int firstBatch) {
        if (workers.isShutdown()) throw new IllegalStateException("loader is closed");
        if (firstBatch < 0) throw new IllegalArgumentException("first batch must be >= 0, got " + firstBatch);
        if (current != null) current.stop();
        current = new EpochBatches(epoch, firstBatch);
        return current;
    }

    @Override public synchronized void close() {
        if (current != null) current.stop();
        workers.shutdownNow();
    }

    /** Fills batch {@code number} of an epoch into {@code batch}'s arrays; returns the batch view of its size. */
    private Batch fill(Batch batch, int[] order, int number, int epoch, EpochBatches owner) {
        int from = number * options.batchSize(), count = Math.min(options.batchSize(), imagesPerEpoch() - from);
        int crops = pipeline.cropsPerImage(), floats = pipeline.inputFloats();
        for (int i = 0; i < count && !owner.stopped; i++) {
            BaseImages.Prepared prepared = images.get(order[from + i]);
            int label = images.dataset().label(prepared.index());
            pipeline.render(prepared.image(), options.seed(), epoch, prepared.index(), batch.images(), i * crops * floats);
            for (int c = 0; c < crops; c++) batch.labels()[i * crops + c] = label;
        }
        return count == options.batchSize() ? batch : new Batch(batch.shape().withBatch(count * crops), batch.images(), batch.labels());
    }

    /** One epoch from batch {@code next} on: batch k lives in ring slot k mod ring.length; asking for batch k frees slot of k - 1. */
    private final class EpochBatches implements Iterator<Batch> {
        private final int epoch, batches;
        private final int[] order;
        @SuppressWarnings("unchecked")
        private final Future<Batch>[] pending = new Future[ring.length];
        private volatile boolean stopped;
        private int next;

        EpochBatches(int epoch, int firstBatch) {
            this.epoch = epoch;
            this.batches = batchesPerEpoch();
            this.order = options.shuffle() ? new Draws(options.seed(), Draws.SHUFFLE, epoch).permutation(images.dataset().size()) : identity(images.dataset().size());
            this.next = firstBatch;
            for (int k = firstBatch; k < Math.min(firstBatch + options.prefetch(), batches); k++) submit(k);
        }

        @Override public boolean hasNext() { return next < batches && !stopped; }

        @Override public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " has " + batches + " batches" + (stopped ? " and was stopped" : ""));
            int ahead = next + options.prefetch();
            if (ahead < batches) submit(ahead);
            int slot = next % ring.length;
            next++;
            Batch batch = await(pending[slot]);
            pending[slot] = null;
            return batch;
        }

        private void submit(int number) {
            int slot = number % ring.length;
            pending[slot] = workers.submit(() -> fill(ring[slot], order, number, epoch, this));
        }

        /** Stops filling and waits for batches in progress, so their ring slots can be reused. */
        void stop() {
            stopped = true;
            for (int i = 0; i < pending.length; i++) {
                if (pending[i] == null) continue;
                try {
                    pending[i].get();
                } catch (ExecutionException | CancellationException e) {
                    // The epoch is abandoned; its errors no longer matter.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                pending[i] = null;
            }
        }
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        return order;
    }

    /** The result of {@code future}, with a worker's exception rethrown as itself (a DataException names the file). */
    static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new DataException("data worker failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while waiting for data", e);
        }
    }

    static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
