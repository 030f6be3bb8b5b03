package org.alexnet4j.backend.cuda;

import java.util.concurrent.atomic.AtomicLong;
import org.alexnet4j.backend.BackendOptions.Precision;

/**
 * The two float32 operands of one product (convolution or GEMM) converted to BF16 or FP16 in scratch memory, and
 * the product's result brought back to float32. In FP16 each operand is first scaled by a power of two
 * ({@link HalfScaling}: its largest magnitude, found on the device, lands just under a target chosen from the
 * number of terms per output) and the result is divided by both scales; BF16 has float32's range and is not
 * scaled. The scales never leave the device, so a step needs no host round trip. Convolution operands are laid
 * out NHWC (cuDNN's tensor-core layout), GEMM operands keep their order. One product at a time, in stream order.
 */
final class ReducedOperands implements AutoCloseable {
    private final CudaKernels kernels;
    private final int format;
    private final boolean scaled;
    private final DeviceBuffer first, second, result16, result32, magnitudes;
    private float target = 1;
    private long amaxFirst, amaxSecond; // device addresses of the two largest magnitudes (0 when not scaled)

    /** reallocations: the backend's count of device blocks freed for larger ones ({@link DeviceBuffer}). */
    ReducedOperands(CudaKernels kernels, Precision precision, AtomicLong reallocations) {
        if (precision != Precision.BF16 && precision != Precision.FP16) throw new IllegalArgumentException("16-bit operands for " + precision);
        this.kernels = kernels;
        this.first = new DeviceBuffer("first 16-bit operand", reallocations);
        this.second = new DeviceBuffer("second 16-bit operand", reallocations);
        this.result16 = new DeviceBuffer("16-bit result", reallocations);
        this.result32 = new DeviceBuffer("float32 result of scaled operands", reallocations);
        this.magnitudes = new DeviceBuffer("largest operand magnitudes", reallocations);
        this.format = precision == Precision.FP16 ? CudaKernels.HALF : CudaKernels.BFLOAT16;
        this.scaled = precision == Precision.FP16;
    }

    /**
     * Converts operand a (float32 NCHW dims) and operand b of a product summing {@code terms} products per
     * output; afterwards {@link #first()} and {@link #second()} hold them. 4-D dims: (N, C, H, W); a GEMM
     * operand of n values: (1, 1, 1, n) with nhwc false.
     */
    void convert(long a, int[] aDims, long b, int[] bDims, boolean nhwc, long terms) {
        target = scaled ? HalfScaling.target(terms) : 1;
        amaxFirst = amaxSecond = 0;
        if (scaled) {
            long amax = magnitudes.reserve(2 * Float.BYTES);
            kernels.fill(amax, 2, 0f);
            amaxFirst = amax;
            amaxSecond = amax + Float.BYTES;
            kernels.maxMagnitude(amaxFirst, a, count(aDims));
            kernels.maxMagnitude(amaxSecond, b, count(bDims));
        }
        kernels.to16Bit(first.reserve(2 * count(aDims)), a, aDims[0], aDims[1], aDims[2], aDims[3], nhwc, format, amaxFirst, target);
        kernels.to16Bit(second.reserve(2 * count(bDims)), b, bDims[0], bDims[1], bDims[2], bDims[3], nhwc, format, amaxSecond, target);
    }

    long first() { return first.address(); }

    long second() { return second.address(); }

    /** Scratch for a 16-bit result of {@code elements} values. */
    long result16(long elements) { return result16.reserve(2 * elements); }

    /** Scratch for a float32 result of {@code elements} values (a GEMM of scaled operands). */
    long result32(long elements) { return result32.reserve(Float.BYTES * elements); }

    /** out (float32 NCHW dims) = (or +=) the 16-bit result, NHWC (only convolutions have one), unscaled. */
    void from16(long out, int[] dims, boolean accumulate) {
        kernels.from16Bit(out, result16.address(), dims[0], dims[1], dims[2], dims[3], true, format, amaxFirst, amaxSecond, target, accumulate);
    }

    /** out = (or +=) the float32 result of n values, unscaled. */
    void from32(long out, long n, boolean accumulate) {
        kernels.unscale(out, result32.address(), n, amaxFirst, amaxSecond, target, accumulate);
    }

    /** Whether GEMM results need {@link #from32} (FP16: scaled operands), or can be written in place (BF16). */
    boolean scaled() { return scaled; }

    /** The cuBLAS/CUDA data type of the operands: CUDA_R_16F or CUDA_R_16BF. */
    int cudaDataType() { return scaled ? org.bytedeco.cuda.global.cudart.CUDA_R_16F : org.bytedeco.cuda.global.cudart.CUDA_R_16BF; }

    /** The cuDNN data type of the operands: CUDNN_DATA_HALF or CUDNN_DATA_BFLOAT16. */
    int cudnnDataType() { return scaled ? org.bytedeco.cuda.global.cudnn.CUDNN_DATA_HALF : org.bytedeco.cuda.global.cudnn.CUDNN_DATA_BFLOAT16; }

    private static long count(int[] dims) { return (long) dims[0] * dims[1] * dims[2] * dims[3]; }

    @Override public void close() {
        first.close();
        second.close();
        result16.close();
        result32.close();
        magnitudes.close();
    }
}
