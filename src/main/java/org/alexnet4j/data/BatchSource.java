package org.alexnet4j.data;

import java.util.Iterator;
import java.util.List;

/** What a Trainer or an evaluator reads: the batches of one epoch at a time, plus what they are of. */
public interface BatchSource extends AutoCloseable {
    /** Images in one epoch (the last batch may be smaller than the batch size). */
    int imagesPerEpoch();

    /** Class names in label order. */
    List<String> classNames();

    /**
     * The batches of epoch {@code epoch} (0-based; it seeds shuffling and augmentation so a run is
     * reproducible) from batch {@code firstBatch} (0-based) on; the batches before it are not produced at
     * all, so a resumed run costs nothing for the part of the epoch it skips. A batch may be overwritten
     * once next() is called again.
     */
    Iterator<Batch> epoch(int epoch, int firstBatch);

    /** All batches of epoch {@code epoch}. */
    default Iterator<Batch> epoch(int epoch) { return epoch(epoch, 0); }

    @Override default void close() {}
}
