package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * A tensor allocated once for the largest batch, seen as its first n items for a batch of n (a dense
 * NCHW batch of n is a prefix of the batch of capacity). Reused across steps: nothing is allocated per step.
 * A {@link Plan} declares its stages' tensors first and allocates them together, once it knows their sum fits.
 */
public final class BatchTensor implements AutoCloseable {
    private final Backend backend;
    private final Shape capacityShape;
    private Tensor full, current;

    /** Allocates {@code capacityShape} (batch dimension first) on {@code backend}. */
    public BatchTensor(Backend backend, Shape capacityShape) {
        this(backend, capacityShape, true);
    }

    private BatchTensor(Backend backend, Shape capacityShape, boolean allocate) {
        this.backend = backend;
        this.capacityShape = capacityShape;
        if (allocate) allocate();
    }

    /** A tensor of {@code capacityShape} whose memory comes with {@link #allocate()}; until then it has none. */
    static BatchTensor declared(Backend backend, Shape capacityShape) { return new BatchTensor(backend, capacityShape, false); }

    /** Takes the memory of a declared tensor (once). */
    void allocate() {
        if (full != null) throw new IllegalStateException("tensor " + capacityShape + " is allocated already");
        full = backend.allocate(capacityShape);
        current = full;
    }

    /** The largest batch this tensor holds. */
    public int capacity() { return capacityShape.dim(0); }

    /** The bytes it takes at capacity. */
    long bytes() { return capacityShape.size() * Float.BYTES; }

    /** The first {@code n} items, as a tensor of shape (n, ...). */
    public Tensor batch(int n) {
        if (full == null) throw new IllegalStateException("tensor " + capacityShape + " is declared but not allocated yet");
        if (n < 1 || n > capacity()) throw new IllegalArgumentException("batch of " + n + " does not fit a tensor allocated for " + capacity());
        if (current.shape().dim(0) != n) current = n == capacity() ? full : full.view(0, full.shape().withBatch(n));
        return current;
    }

    @Override public void close() { if (full != null) full.close(); }
}
