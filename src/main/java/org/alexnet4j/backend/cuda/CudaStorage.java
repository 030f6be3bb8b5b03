package org.alexnet4j.backend.cuda;

import org.alexnet4j.tensor.Storage;

/**
 * Device memory of one CudaBackend: a cudaMalloc'ed block of floats. Views address it by offset; only
 * the owning backend reads the address. Closing frees the block (idempotent, also done by the backend's close).
 */
final class CudaStorage implements Storage {
    private final CudaBackend owner;
    private final long floats;
    private long address; // 0 once freed

    CudaStorage(CudaBackend owner, long floats, long address) {
        this.owner = owner;
        this.floats = floats;
        this.address = address;
    }

    @Override public long floats() { return floats; }

    @Override public String backendName() { return CudaBackendProvider.NAME; }

    CudaBackend owner() { return owner; }

    /** The device address of float 0; {@code role} names the tensor when the storage was already freed. */
    long address(String role) {
        if (address == 0) throw new IllegalStateException(role + ": its device memory was already freed");
        return address;
    }

    /** Forgets the address after the owner freed it. */
    long release() {
        long freed = address;
        address = 0;
        return freed;
    }

    @Override public void close() { owner.free(this); }
}
