package org.alexnet4j.backend.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Turns the status codes of the CUDA runtime and driver, cuDNN, cuBLAS and NVRTC into exceptions that name
 * the call and the status, e.g. "cudnnConvolutionForward failed: CUDNN_STATUS_BAD_PARAM". 0 is success in all five.
 */
final class CudaStatus {
    private CudaStatus() {}

    /** A CUDA runtime status (cudaError_t). */
    static void runtime(int status, String call) {
        if (status != 0) throw failure(call, cudart.cudaGetErrorName(status).getString());
    }

    /** A CUDA driver status (CUresult). */
    static void driver(int status, String call) {
        if (status == 0) return;
        try (PointerPointer<BytePointer> name = new PointerPointer<>(1)) {
            String text = cudart.cuGetErrorName(status, name) == 0 ? name.getString(0) : "CUresult " + status;
            throw failure(call, text);
        }
    }

    /** A cuDNN status (cudnnStatus_t); cudnnGetErrorString gives the enum's name. */
    static void cudnn(int status, String call) {
        if (status != cudnn.CUDNN_STATUS_SUCCESS) throw failure(call, cudnn.cudnnGetErrorString(status).getString());
    }

    /** A cuBLAS status (cublasStatus_t). */
    static void cublas(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) throw failure(call, cublas.cublasGetStatusName(status).getString());
    }

    /** An NVRTC status (nvrtcResult). */
    static void nvrtc(int status, String call) {
        if (status != nvrtc.NVRTC_SUCCESS) throw failure(call, nvrtc.nvrtcGetErrorString(status).getString());
    }

    private static CudaException failure(String call, String status) {
        return new CudaException(call + " failed: " + status);
    }
}
