package org.alexnet4j.tensor;

/**
 * Float32 memory owned by one backend (off-heap host memory, or device memory). Only the owning
 * backend knows what is behind it; everyone else sees its length and closes it.
 */
public interface Storage extends AutoCloseable {
    /** Capacity in floats. */
    long floats();

    /** The backend that allocated this storage, by name; ops check it so tensors never cross backends. */
    String backendName();

    /** Frees the memory; idempotent. A closed storage refuses every further access. */
    @Override void close();
}
