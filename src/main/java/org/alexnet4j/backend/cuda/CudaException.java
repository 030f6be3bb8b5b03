package org.alexnet4j.backend.cuda;

/** A CUDA, cuDNN, cuBLAS or NVRTC call failed; the message names the call and the status. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) { super(message); }
}
