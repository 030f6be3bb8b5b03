package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * A tensor allocated once for the largest batch, seen as its first n items for a batch of n (a dense
 * NCHW batch of n is a prefix of the batch of capacity). Reused across steps: nothing is allocated per step.
 */
public final class BatchTensor implements AutoCloseable {
    private final Tensor full;
    private Tensor current;

    /** Allocates {@code capacityShape} (batch dimension first) on {@code backend}. */
    public BatchTensor(Backend backend, Shape capacityShape) {
        this.full = backend.allocate(capacityShape);
        this.current = full;
    }

    /** The largest batch this tensor holds. */
    public int capacity() { return full.shape().dim(0); }

    /** The first {@code n} items, as a tensor of shape (n, ...). */
    public Tensor batch(int n) {
        if (n < 1 || n > capacity()) throw new IllegalArgumentException("batch of " + n + " does not fit a tensor allocated for " + capacity());
        if (current.shape().dim(0) != n) current = n == capacity() ? full : full.view(0, full.shape().withBatch(n));
        return current;
    }

    @Override public void close() { full.close(); }
}
