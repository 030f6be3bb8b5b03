package org.alexnet4j.backend.cuda;

import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.cuda.global.cudart;

/**
 * A grow-only block of device scratch memory (cuDNN workspace, labels, per-row losses, 16-bit operands): reallocated only
 * when a larger size is asked for, so a steady training loop allocates nothing. Each reallocation of a block counts in
 * its backend's {@code reallocations} (a recorded CUDA graph that used the old block must not be replayed). Not
 * thread-safe.
 */
final class DeviceBuffer implements AutoCloseable {
    private final String purpose;
    private final AtomicLong reallocations;
    private long address;
    private long bytes;

    DeviceBuffer(String purpose, AtomicLong reallocations) {
        this.purpose = purpose;
        this.reallocations = reallocations;
    }

    /** The address of at least {@code needed} bytes (0 when nothing is needed and nothing was allocated). */
    long reserve(long needed) {
        if (needed > bytes) {
            if (address != 0) reallocations.incrementAndGet();
            close(); // cudaFree waits for the work that may still use the old block
            RawPointer block = new RawPointer(0);
            CudaStatus.runtime(cudart.cudaMalloc(block, needed), "cudaMalloc(" + purpose + ", " + needed + " bytes)");
            address = block.address();
            bytes = needed;
        }
        return address;
    }

    /** The current block (0 before the first {@link #reserve}). */
    long address() { return address; }

    @Override public void close() {
        if (address != 0) CudaStatus.runtime(cudart.cudaFree(new RawPointer(address)), "cudaFree(" + purpose + ")");
        address = 0;
        bytes = 0;
    }
}
