package org.alexnet4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;

/**
 * Copies between Java arrays and device memory through two grow-only pinned (page-locked) host buffers used in
 * turn. An upload fills one buffer and queues its copy on the backend's stream without waiting for it; an event
 * marks when that buffer is free again, and only the next copy through the same buffer waits for it. So the host
 * can fill the next batch while the previous one is still being copied (or queued behind a running step).
 * Downloads wait for the stream, so they also see every op issued before them.
 */
final class PinnedStaging implements AutoCloseable {
    private final CUstream_st stream;
    private final Buffer[] buffers;
    private int next; // the buffer the next copy uses

    /** One pinned block and the event recorded after the last copy that read or wrote it. */
    private static final class Buffer {
        final CUevent_st free = new CUevent_st();
        RawPointer block; // null until first use
        long bytes;
    }

    PinnedStaging(CUstream_st stream) {
        this.stream = stream;
        this.buffers = new Buffer[] {new Buffer(), new Buffer()};
        for (Buffer b : buffers) CudaStatus.runtime(cudaEventCreateWithFlags(b.free, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    }

    /** device[0, count) = src[offset, offset + count). */
    synchronized void upload(long device, float[] src, int offset, int count) {
        Buffer b = take((long) count * Float.BYTES);
        b.block.asFloats().put(src, offset, count);
        issueUpload(b, device, (long) count * Float.BYTES);
    }

    /** device[0, src.length) = src, as 32-bit ints. */
    synchronized void upload(long device, int[] src) {
        Buffer b = take((long) src.length * Integer.BYTES);
        b.block.asInts().put(src, 0, src.length);
        issueUpload(b, device, (long) src.length * Integer.BYTES);
    }

    /** dst[offset, offset + count) = device[0, count), after every op issued so far. */
    synchronized void download(float[] dst, int offset, long device, int count) {
        long size = (long) count * Float.BYTES;
        Buffer b = take(size);
        CudaStatus.runtime(cudaMemcpyAsync(b.block, new RawPointer(device), size, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(device to host)");
        CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        b.block.asFloats().get(dst, offset, count);
    }

    private void issueUpload(Buffer b, long device, long size) {
        CudaStatus.runtime(cudaMemcpyAsync(new RawPointer(device), b.block, size, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync(host to device)");
        CudaStatus.runtime(cudaEventRecord(b.free, stream), "cudaEventRecord");
    }

    /** The next buffer in turn, at least {@code size} bytes, once the last copy through it has finished. */
    private Buffer take(long size) {
        Buffer b = buffers[next];
        next = (next + 1) % buffers.length;
        CudaStatus.runtime(cudaEventSynchronize(b.free), "cudaEventSynchronize");
        if (size > b.bytes) {
            free(b);
            RawPointer block = new RawPointer(0);
            CudaStatus.runtime(cudaMallocHost(block, size), "cudaMallocHost(" + size + " bytes)");
            b.block = block;
            b.bytes = size;
        }
        return b;
    }

    private static void free(Buffer b) {
        if (b.block != null) CudaStatus.runtime(cudaFreeHost(b.block), "cudaFreeHost");
        b.block = null;
        b.bytes = 0;
    }

    @Override public synchronized void close() {
        for (Buffer b : buffers) {
            free(b);
            cudaEventDestroy(b.free);
        }
    }
}
