package org.alexnet4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.*;

import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Copies between Java arrays and device memory through one grow-only pinned (page-locked) host buffer.
 * Uploads are asynchronous on the backend's stream: an event marks when the buffer is free again, and the
 * next copy waits for it. Downloads wait for the stream, so they also see every op issued before them.
 */
final class PinnedStaging implements AutoCloseable {
    private final CUstream_st stream;
    private final CUevent_st uploaded = new CUevent_st();
    private RawPointer buffer; // pinned host memory, null until first use
    private long bytes;

    PinnedStaging(CUstream_st stream) {
        this.stream = stream;
        CudaStatus.runtime(cudaEventCreateWithFlags(uploaded, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    }

    /** device[0, count) = src[offset, offset + count). */
    synchronized void upload(long device, float[] src, int offset, int count) {
        reserve((long) count * Float.BYTES).asFloats().put(src, offset, count);
        issueUpload(device, (long) count * Float.BYTES);
    }

    /** device[0, src.length) = src, as 32-bit ints. */
    synchronized void upload(long device, int[] src) {
        reserve((long) src.length * Integer.BYTES).asInts().put(src, 0, src.length);
        issueUpload(device, (long) src.length * Integer.BYTES);
    }

    /** dst[offset, offset + count) = device[0, count), after every op issued so far. */
    synchronized void download(float[] dst, int offset, long device, int count) {
        long size = (long) count * Float.BYTES;
        reserve(size);
        CudaStatus.runtime(cudaMemcpyAsync(buffer, new RawPointer(device), size, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(device to host)");
        CudaStatus.runtime(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        buffer.asFloats().get(dst, offset, count);
    }

    private void issueUpload(long device, long size) {
        CudaStatus.runtime(cudaMemcpyAsync(new RawPointer(device), buffer, size, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync(host to device)");
        CudaStatus.runtime(cudaEventRecord(uploaded, stream), "cudaEventRecord");
    }

    /** The buffer, at least {@code size} bytes, once the previous upload from it has finished. */
    private RawPointer reserve(long size) {
        CudaStatus.runtime(cudaEventSynchronize(uploaded), "cudaEventSynchronize");
        if (size > bytes) {
            free();
            RawPointer block = new RawPointer(0);
            CudaStatus.runtime(cudaMallocHost(block, size), "cudaMallocHost(" + size + " bytes)");
            buffer = block;
            bytes = size;
        }
        return buffer;
    }

    private void free() {
        if (buffer != null) CudaStatus.runtime(cudaFreeHost(buffer), "cudaFreeHost");
        buffer = null;
        bytes = 0;
    }

    @Override public synchronized void close() {
        free();
        cudaEventDestroy(uploaded);
    }
}
