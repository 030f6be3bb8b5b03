package org.alexnet4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.alexnet4j.backend.AdaptivePoolShape;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.BackendOptions.Precision;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.BiasShape;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.Elementwise;
import org.alexnet4j.backend.LinearShape;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.MemoryLimitException;
import org.alexnet4j.backend.MemoryOps;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.backend.SoftmaxShape;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnLRNStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The CUDA backend on one device ({@link BackendOptions#device()}): cuDNN for convolution, LRN and batch norm;
 * cuBLAS for the fully connected layers; NVRTC-compiled kernels (native/alexnet4j_kernels.cu) for the rest,
 * among them ReLU and max pooling, whose NaN propagation and first-maximum routing cuDNN does not promise. All work
 * goes to one stream, in issue order; host copies and {@link #synchronize()} wait for it. Tensors are views
 * of device memory this backend allocated; close() frees all of it. The CUDA runtime's current device is
 * per host thread, so every op first makes this backend's device current on the calling thread. Precision FP32
 * keeps every op in IEEE single precision (cuDNN FMA math, cuBLAS default math); TF32 lets cuDNN and cuBLAS use
 * TF32 tensor cores; BF16 and FP16 give convolutions and GEMMs 16-bit operands on tensor cores with float32
 * accumulation ({@link ReducedOperands}), every other op, the parameters, gradients and SGD staying float32.
 * LRN: lrnForward fills {@code scale} (k + alpha/n * window sum of x^2) like the host backends, with a kernel;
 * cuDNN's LRN backward recomputes what it needs from x and y, so lrnBackward does not read {@code scale}.
 */
public final class CudaBackend implements Backend {
    private static final FloatPointer ONE = new FloatPointer(1f), ZERO = new FloatPointer(0f);

    private final Precision precision;
    private final int device;
    private final String description;
    private final CUstream_st stream = new CUstream_st();
    private final cudnnContext cudnnHandle = new cudnnContext();
    private final cublasContext cublasHandle = new cublasContext();
    private final CudaKernels kernels;
    private final ConvolutionPlans convolutions;
    private final PinnedStaging staging;
    private final ReducedOperands reduced; // the 16-bit operands of BF16 and FP16, of GEMMs and convolutions alike (one product at a time)
    /** Device blocks freed so far (tensors, and scratch given up for a larger block): a replay recorded before one must not run. */
    private final AtomicLong reallocations = new AtomicLong();
    private final DeviceBuffer labels = new DeviceBuffer("labels", reallocations), rowLosses = new DeviceBuffer("per-row losses", reallocations),
            cublasWorkspace = new DeviceBuffer("cuBLAS workspace", reallocations);
    /** cuBLAS's workspace, given to it up front so that it allocates nothing inside a recorded CUDA graph (32 MiB, as it asks on Hopper). */
    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;
    /** Scratch descriptors, set before each call that uses them. */
    private final cudnnTensorStruct first = CudaDescriptors.create(), second = CudaDescriptors.create(), channels = CudaDescriptors.create();
    private final cudnnLRNStruct lrn = new cudnnLRNStruct();
    private final Set<CudaStorage> live = new HashSet<>();
    private boolean closed, capturing;
    private int[] uploadedLabels; // the labels in the device buffer `labels`

    /** Sets up the device; if any step fails, releases what the earlier steps made and rethrows. */
    CudaBackend(BackendOptions options) {
        this.precision = options.precision();
        this.device = options.device();
        try {
            makeDeviceCurrent();
            CudaStatus.runtime(cudart.cudaFree(null), "cudaFree(null) (creates the context)");
            this.description = "cuda device " + device + ": " + CudaProbe.describeDevice(device) + "; " + CudaProbe.availability().reason()
                    + ", precision " + precision.id();
            int major, minor;
            try (cudaDeviceProp properties = new cudaDeviceProp()) {
                CudaStatus.runtime(cudart.cudaGetDeviceProperties(properties, device), "cudaGetDeviceProperties");
                major = properties.major();
                minor = properties.minor();
            }
            CudaStatus.runtime(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
            CudaStatus.cudnn(cudnnCreate(cudnnHandle), "cudnnCreate");
            CudaStatus.cudnn(cudnnSetStream(cudnnHandle, stream), "cudnnSetStream");
            CudaStatus.cublas(cublas.cublasCreate_v2(cublasHandle), "cublasCreate");
            CudaStatus.cublas(cublas.cublasSetStream_v2(cublasHandle, stream), "cublasSetStream");
            CudaStatus.cublas(cublas.cublasSetWorkspace_v2(cublasHandle, new RawPointer(cublasWorkspace.reserve(CUBLAS_WORKSPACE_BYTES)),
                    CUBLAS_WORKSPACE_BYTES), "cublasSetWorkspace");
            CudaStatus.cublas(cublas.cublasSetMathMode(cublasHandle,
                    precision == Precision.TF32 ? cublas.CUBLAS_TF32_TENSOR_OP_MATH : cublas.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            CudaStatus.cudnn(cudnnCreateLRNDescriptor(lrn), "cudnnCreateLRNDescriptor");
            kernels = new CudaKernels(major, minor, stream);
            reduced = precision == Precision.BF16 || precision == Precision.FP16 ? new ReducedOperands(kernels, precision, reallocations) : null;
            convolutions = new ConvolutionPlans(cudnnHandle, kernels, precision, ONE, ZERO, reallocations, reduced);
            staging = new PinnedStaging(stream);
        } catch (RuntimeException failure) {
            release();
            throw failure;
        }
    }

    @Override public String name() { return CudaBackendProvider.NAME; }

    @Override public String description() { return description; }

    // ---- memory ------------------------------------------------------------------------------

    @Override public synchronized Tensor allocate(Shape shape) {
        open();
        refuseWhileCapturing("allocate");
        long bytes = shape.size() * Float.BYTES;
        RawPointer block = new RawPointer(0);
        CudaStatus.runtime(cudart.cudaMalloc(block, bytes), "cudaMalloc(" + shape + ", " + bytes + " bytes)");
        CudaStorage storage = new CudaStorage(this, shape.size(), block.address());
        live.add(storage);
        CudaStatus.runtime(cudart.cudaMemsetAsync(block, 0, bytes, stream), "cudaMemsetAsync(allocate)");
        return Tensor.owning(shape, storage);
    }

    /** Compares {@code bytes} with the device memory free now (cudaMemGetInfo). */
    @Override public synchronized void requireMemory(String what, long bytes) {
        open();
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            CudaStatus.runtime(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
            if (bytes > free.get()) {
                throw new MemoryLimitException(String.format(Locale.ROOT, "cannot allocate %.1f MiB for %s: %.1f MiB of the %.1f MiB of GPU %d are free",
                        bytes / 1048576.0, what, free.get() / 1048576.0, total.get() / 1048576.0, device));
            }
        }
    }

    /** Called by CudaStorage.close(); waits for the device (cudaFree does) and forgets the block. */
    synchronized void free(CudaStorage storage) {
        refuseWhileCapturing("free");
        if (!live.remove(storage)) return; // already freed, or freed by close()
        reallocations.incrementAndGet();
        CudaStatus.runtime(cudart.cudaFree(new RawPointer(storage.release())), "cudaFree");
    }

    /** Checks that t is this backend's; cuda keeps nothing derived from weights and does not refuse later writes. */
    @Override public void freeze(Tensor t) { address(t, "freeze t"); }

    @Override public synchronized void copyFromHost(Tensor dst, float[] src, int srcOffset) {
        refuseWhileCapturing("copyFromHost");
        long d = address(dst, "copyFromHost dst");
        MemoryOps.checkHostRange("copyFromHost src", src.length, srcOffset, dst.size());
        staging.upload(d, src, srcOffset, (int) dst.size());
    }

    @Override public synchronized void copyToHost(float[] dst, int dstOffset, Tensor src) {
        refuseWhileCapturing("copyToHost");
        long s = address(src, "copyToHost src");
        MemoryOps.checkHostRange("copyToHost dst", dst.length, dstOffset, src.size());
        staging.download(dst, dstOffset, s, (int) src.size());
    }

    @Override public synchronized void fill(Tensor t, float value) {
        long a = address(t, "fill t");
        if (Float.floatToRawIntBits(value) == 0) {
            CudaStatus.runtime(cudart.cudaMemsetAsync(new RawPointer(a), 0, t.size() * Float.BYTES, stream), "cudaMemsetAsync(fill)");
        } else {
            kernels.fill(a, t.size(), value);
        }
    }

    @Override public synchronized void copy(Tensor dst, Tensor src) {
        MemoryOps.checkCopy(dst, src);
        CudaStatus.runtime(cudart.cudaMemcpyAsync(new RawPointer(address(dst, "copy dst")), new RawPointer(address(src, "copy src")),
                src.size() * Float.BYTES, cudart.cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync(device to device)");
    }

    @Override public synchronized void synchronize() {
        open();
        refuseWhileCapturing("synchronize");
        CudaStatus.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    // ---- convolution -------------------------------------------------------------------------

    @Override public synchronized void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec) {
        spec.checkForward("conv2dForward", y, x, w, bias);
        convolutions.forward(address(y, "conv2dForward y"), address(x, "conv2dForward x"), address(w, "conv2dForward w"),
                bias == null ? 0 : address(bias, "conv2dForward bias"), x.shape(), w.shape(), spec);
    }

    @Override public synchronized void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, ConvSpec spec) {
        spec.checkBackwardData(dx, dy, w);
        convolutions.backwardData(address(dx, "conv2dBackwardData dx"), address(dy, "conv2dBackwardData dy"),
                address(w, "conv2dBackwardData w"), dx.shape(), w.shape(), spec);
    }

    @Override public synchronized void conv2dBackwardFilter(Tensor dw, Tensor dy, Tensor x, ConvSpec spec) {
        spec.checkBackwardFilter(dw, dy, x);
        convolutions.backwardFilter(address(dw, "conv2dBackwardFilter dw"), address(dy, "conv2dBackwardFilter dy"),
                address(x, "conv2dBackwardFilter x"), x.shape(), dw.shape(), spec);
    }

    @Override public synchronized void biasBackward(Tensor db, Tensor dy) {
        BiasShape.check(db, dy);
        CudaDescriptors.set(first, dy.shape());
        CudaDescriptors.set(channels, db.shape());
        CudaStatus.cudnn(cudnnConvolutionBackwardBias(cudnnHandle, ONE, first, pointer(dy, "biasBackward dy"), ONE, channels,
                pointer(db, "biasBackward db")), "cudnnConvolutionBackwardBias");
    }

    // ---- fully connected (row-major data seen by column-major cuBLAS as its transpose) ---------

    @Override public synchronized void linearForward(Tensor y, Tensor x, Tensor w, Tensor bias) {
        LinearShape d = LinearShape.check("linearForward", y, x, w, bias);
        int n = d.n(), in = d.in(), out = d.out();
        // y^T (out x N) = w (out x in, stored as column-major in x out, transposed) * x^T (in x N)
        gemm(cublas.CUBLAS_OP_T, cublas.CUBLAS_OP_N, out, n, in, address(w, "linearForward w"), (long) out * in, in, address(x, "linearForward x"),
                (long) n * in, in, false, address(y, "linearForward y"), out, "linearForward");
        if (bias != null) {
            CudaDescriptors.set(channels, bias.shape());
            CudaDescriptors.set(first, y.shape());
            CudaStatus.cudnn(cudnnAddTensor(cudnnHandle, ONE, channels, pointer(bias, "linearForward bias"), ONE, first,
                    pointer(y, "linearForward y")), "cudnnAddTensor(linear bias)");
        }
    }

    @Override public synchronized void linearBackwardData(Tensor dx, Tensor dy, Tensor w) {
        LinearShape d = LinearShape.check("linearBackwardData", dy, dx, w, null);
        int n = d.n(), in = d.in(), out = d.out();
        // dx^T (in x N) = w^T (in x out) * dy^T (out x N)
        gemm(cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_N, in, n, out, address(w, "linearBackwardData w"), (long) out * in, in,
                address(dy, "linearBackwardData dy"), (long) n * out, out, false, address(dx, "linearBackwardData dx"), in, "linearBackwardData");
    }

    @Override public synchronized void linearBackwardWeight(Tensor dw, Tensor dy, Tensor x) {
        LinearShape d = LinearShape.check("linearBackwardWeight", dy, x, dw, null);
        int n = d.n(), in = d.in(), out = d.out();
        // dw^T (in x out) += x^T (in x N) * dy (N x out)
        gemm(cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_T, in, out, n, address(x, "linearBackwardWeight x"), (long) n * in, in,
                address(dy, "linearBackwardWeight dy"), (long) n * out, out, true, address(dw, "linearBackwardWeight dw"), in, "linearBackwardWeight");
    }

    /**
     * Column-major C (m x n) = op(A) * op(B), or += when {@code accumulate}; A holds aCount floats, B bCount.
     * FP32/TF32: cublasSgemm (the handle's math mode allows TF32 or not). BF16/FP16: A and B converted to 16 bits
     * (FP16 scaled), cublasGemmEx with float32 accumulation (CUBLAS_COMPUTE_32F) into float32: BF16 straight into C,
     * FP16 into scratch and then unscaled into C.
     */
    private void gemm(int transA, int transB, int m, int n, int k, long a, long aCount, int lda, long b, long bCount, int ldb, boolean accumulate,
                      long c, int ldc, String op) {
        FloatPointer beta = accumulate ? ONE : ZERO;
        if (reduced == null) {
            CudaStatus.cublas(cublas.cublasSgemm_v2(cublasHandle, transA, transB, m, n, k, ONE, new RawPointer(a).asFloats(), lda,
                    new RawPointer(b).asFloats(), ldb, beta, new RawPointer(c).asFloats(), ldc), "cublasSgemm(" + op + ")");
            return;
        }
        reduced.convert(a, new int[] {1, 1, 1, Math.toIntExact(aCount)}, b, new int[] {1, 1, 1, Math.toIntExact(bCount)}, false, k);
        long result = reduced.scaled() ? reduced.result32((long) m * n) : c;
        CudaStatus.cublas(cublas.cublasGemmEx(cublasHandle, transA, transB, m, n, k, ONE, new RawPointer(reduced.first()), reduced.cudaDataType(), lda,
                new RawPointer(reduced.second()), reduced.cudaDataType(), ldb, reduced.scaled() ? ZERO : beta, new RawPointer(result),
                cudart.CUDA_R_32F, ldc, cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT), "cublasGemmEx(" + op + ", " + precision.id() + ")");
        if (reduced.scaled()) reduced.from32(c, (long) m * n, accumulate);
    }

    // ---- pooling, normalization, activation --------------------------------------------------

    /** A kernel, not cuDNN: the Backend contract's first maximum on ties and NaN propagation (cuDNN guarantees neither). */
    @Override public synchronized void maxPoolForward(Tensor y, Tensor x, PoolSpec spec) {
        spec.checkForward(y, x);
        Shape xs = x.shape(), ys = y.shape();
        kernels.maxPoolForward(address(y, "maxPoolForward y"), address(x, "maxPoolForward x"), (long) xs.dim(0) * xs.dim(1),
                xs.dim(2), xs.dim(3), ys.dim(2), ys.dim(3), spec);
    }

    /** Routes by the argmax of x recomputed as in forward (y is checked, not read), one thread per input: deterministic. */
    @Override public synchronized void maxPoolBackward(Tensor dx, Tensor dy, Tensor y, Tensor x, PoolSpec spec) {
        spec.checkBackward(dx, dy, y, x);
        Shape xs = x.shape(), ys = y.shape();
        kernels.maxPoolBackward(address(dx, "maxPoolBackward dx"), address(dy, "maxPoolBackward dy"), address(x, "maxPoolBackward x"),
                (long) xs.dim(0) * xs.dim(1), xs.dim(2), xs.dim(3), ys.dim(2), ys.dim(3), spec);
    }

    @Override public synchronized void adaptiveAvgPoolForward(Tensor y, Tensor x) {
        AdaptivePoolShape d = AdaptivePoolShape.check("adaptiveAvgPoolForward y", y, "adaptiveAvgPoolForward x", x);
        kernels.adaptiveAvgPoolForward(address(y, "adaptiveAvgPoolForward y"), address(x, "adaptiveAvgPoolForward x"),
                d.planes(), d.h(), d.w(), d.p(), d.q());
    }

    @Override public synchronized void adaptiveAvgPoolBackward(Tensor dx, Tensor dy) {
        AdaptivePoolShape d = AdaptivePoolShape.check("adaptiveAvgPoolBackward dy", dy, "adaptiveAvgPoolBackward dx", dx);
        kernels.adaptiveAvgPoolBackward(address(dx, "adaptiveAvgPoolBackward dx"), address(dy, "adaptiveAvgPoolBackward dy"),
                d.planes(), d.h(), d.w(), d.p(), d.q());
    }

    @Override public synchronized void lrnForward(Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        Shape s = LrnSpec.checkForward(y, scale, x);
        describeLrn(spec, s);
        CudaStatus.cudnn(cudnnLRNCrossChannelForward(cudnnHandle, lrn, CUDNN_LRN_CROSS_CHANNEL_DIM1, ONE, first, pointer(x, "lrnForward x"),
                ZERO, first, pointer(y, "lrnForward y")), "cudnnLRNCrossChannelForward");
        kernels.lrnScale(address(scale, "lrnForward scale"), address(x, "lrnForward x"), s.dim(1), (long) s.dim(2) * s.dim(3), s.size(),
                spec.size(), (float) (spec.alpha() / spec.size()), (float) spec.k());
    }

    @Override public synchronized void lrnBackward(Tensor dx, Tensor dy, Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        Shape s = LrnSpec.checkBackward(dx, dy, y, scale, x);
        describeLrn(spec, s);
        CudaStatus.cudnn(cudnnLRNCrossChannelBackward(cudnnHandle, lrn, CUDNN_LRN_CROSS_CHANNEL_DIM1, ONE, first, pointer(y, "lrnBackward y"),
                first, pointer(dy, "lrnBackward dy"), first, pointer(x, "lrnBackward x"), ZERO, first, pointer(dx, "lrnBackward dx")),
                "cudnnLRNCrossChannelBackward");
    }

    /** cuDNN's LRN takes the same (n, alpha, beta, k) as LrnSpec: both divide alpha by n. */
    private void describeLrn(LrnSpec spec, Shape shape) {
        CudaStatus.cudnn(cudnnSetLRNDescriptor(lrn, spec.size(), spec.alpha(), spec.beta(), spec.k()), "cudnnSetLRNDescriptor");
        CudaDescriptors.set(first, shape);
    }

    /** A kernel, not cuDNN's activation: NaN propagates as in Math.max(x, 0). */
    @Override public synchronized void reluForward(Tensor y, Tensor x) {
        Elementwise.checkRelu(y, x);
        kernels.reluForward(address(y, "reluForward y"), address(x, "reluForward x"), x.size());
    }

    @Override public synchronized void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        Elementwise.checkReluBackward(dx, dy, y);
        kernels.reluBackward(address(dx, "reluBackward dx"), address(dy, "reluBackward dy"), address(y, "reluBackward y"), y.size());
    }

    @Override public synchronized void dropoutForward(Tensor y, Tensor mask, Tensor x, float p, long seed) {
        Elementwise.checkDropout(y, mask, x, p);
        kernels.dropoutForward(address(y, "dropoutForward y"), address(mask, "dropoutForward mask"), address(x, "dropoutForward x"),
                x.size(), p, (float) (1.0 / (1.0 - p)), seed); // the kept scale rounded once, as the reference
    }

    @Override public synchronized void dropoutBackward(Tensor dx, Tensor dy, Tensor mask) {
        Elementwise.checkDropoutBackward(dx, dy, mask);
        kernels.multiply(address(dx, "dropoutBackward dx"), address(dy, "dropoutBackward dy"), address(mask, "dropoutBackward mask"), mask.size());
    }

    @Override public synchronized void batchNormForwardTraining(Tensor y, Tensor savedMean, Tensor savedInvStd, Tensor runningMean,
                                                                Tensor runningVar, Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec) {
        describeBatchNorm(BatchNormSpec.checkTraining(y, savedMean, savedInvStd, runningMean, runningVar, x, gamma, beta));
        // cuDNN: running = (1 - factor) * running + factor * batch, running variance unbiased; saves 1/sqrt(var + eps).
        CudaStatus.cudnn(cudnnBatchNormalizationForwardTraining(cudnnHandle, CUDNN_BATCHNORM_SPATIAL, ONE, ZERO,
                first, pointer(x, "batchNorm x"), first, pointer(y, "batchNorm y"), channels, pointer(gamma, "batchNorm gamma"),
                pointer(beta, "batchNorm beta"), spec.momentum(), pointer(runningMean, "batchNorm runningMean"),
                pointer(runningVar, "batchNorm runningVar"), spec.epsilon(), pointer(savedMean, "batchNorm savedMean"),
                pointer(savedInvStd, "batchNorm savedInvStd")), "cudnnBatchNormalizationForwardTraining");
    }

    @Override public synchronized void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
                                                                 Tensor runningVar, BatchNormSpec spec) {
        describeBatchNorm(BatchNormSpec.checkInference(y, x, gamma, beta, runningMean, runningVar));
        CudaStatus.cudnn(cudnnBatchNormalizationForwardInference(cudnnHandle, CUDNN_BATCHNORM_SPATIAL, ONE, ZERO,
                first, pointer(x, "batchNorm x"), first, pointer(y, "batchNorm y"), channels, pointer(gamma, "batchNorm gamma"),
                pointer(beta, "batchNorm beta"), pointer(runningMean, "batchNorm runningMean"), pointer(runningVar, "batchNorm runningVar"),
                spec.epsilon()), "cudnnBatchNormalizationForwardInference");
    }

    @Override public synchronized void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dy, Tensor x, Tensor gamma,
                                                         Tensor savedMean, Tensor savedInvStd, BatchNormSpec spec) {
        describeBatchNorm(BatchNormSpec.checkBackward(dx, dgamma, dbeta, dy, x, gamma, savedMean, savedInvStd));
        // data gradient overwritten (beta 0), parameter gradients accumulated (beta 1)
        CudaStatus.cudnn(cudnnBatchNormalizationBackward(cudnnHandle, CUDNN_BATCHNORM_SPATIAL, ONE, ZERO, ONE, ONE,
                first, pointer(x, "batchNorm x"), first, pointer(dy, "batchNorm dy"), first, pointer(dx, "batchNorm dx"),
                channels, pointer(gamma, "batchNorm gamma"), pointer(dgamma, "batchNorm dgamma"), pointer(dbeta, "batchNorm dbeta"),
                spec.epsilon(), pointer(savedMean, "batchNorm savedMean"), pointer(savedInvStd, "batchNorm savedInvStd")),
                "cudnnBatchNormalizationBackward");
    }

    /** Sets first = x, channels = (1, C, 1, 1) for x (N, C, H, W). */
    private void describeBatchNorm(Shape x) {
        CudaDescriptors.set(first, x);
        CudaDescriptors.set(channels, Shape.of(x.dim(1)));
    }

    // ---- loss and update ---------------------------------------------------------------------

    @Override public synchronized void softmaxForward(Tensor probs, Tensor logits) {
        SoftmaxShape s = SoftmaxShape.checkForward(probs, logits);
        kernels.softmaxRows(address(probs, "softmaxForward probs"), 0, address(logits, "softmaxForward logits"), 0, s.rows(), s.classes());
    }

    @Override public synchronized float softmaxCrossEntropyForward(Tensor probs, Tensor logits, int[] labels) {
        refuseWhileCapturing("softmaxCrossEntropyForward (its loss comes back to the host; use softmaxForward)");
        SoftmaxShape s = SoftmaxShape.checkCrossEntropyForward(probs, logits, labels);
        int rows = s.rows();
        long deviceLabels = uploadLabels(labels);
        long losses = rowLosses.reserve((long) rows * Float.BYTES);
        kernels.softmaxRows(address(probs, "softmaxCrossEntropyForward probs"), losses, address(logits, "softmaxCrossEntropyForward logits"),
                deviceLabels, rows, s.classes());
        float[] perRow = new float[rows];
        staging.download(perRow, 0, losses, rows);
        double sum = 0;
        for (float loss : perRow) sum += loss;
        return (float) (sum / rows);
    }

    @Override public synchronized void softmaxCrossEntropyBackward(Tensor dlogits, Tensor probs, int[] labels) {
        SoftmaxShape s = SoftmaxShape.checkCrossEntropyBackward(dlogits, probs, labels);
        long deviceLabels = uploadLabels(labels);
        kernels.softmaxCrossEntropyBackward(address(dlogits, "softmaxCrossEntropyBackward dlogits"),
                address(probs, "softmaxCrossEntropyBackward probs"), deviceLabels, s.rows(), s.classes());
    }

    /** Copies checked labels to the device; returns their address. */
    private long uploadLabels(int[] labels) {
        open();
        if (Arrays.equals(labels, uploadedLabels)) return this.labels.address(); // already there: no copy, so a step can be captured
        refuseWhileCapturing("uploading labels that differ from the last ones");
        long device = this.labels.reserve((long) labels.length * Integer.BYTES);
        staging.upload(device, labels);
        uploadedLabels = labels.clone();
        return device;
    }

    // ---- capture and replay (CUDA graphs) ------------------------------------------------------

    /**
     * Runs work op by op (so algorithms are chosen and scratch allocated), then records it into a CUDA graph:
     * the stream is captured (thread-local mode) while work runs again, issuing nothing; replay() launches the
     * instantiated graph on the stream. Ops that need the host throw while recording, and the capture is discarded.
     */
    @Override public synchronized Replay capture(Runnable work) {
        open();
        work.run();
        synchronize();
        CudaStatus.runtime(cudart.cudaStreamBeginCapture(stream, cudart.cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
        CUgraph_st graph = new CUgraph_st();
        capturing = true;
        try {
            work.run();
        } catch (RuntimeException failure) {
            capturing = false;
            cudart.cudaStreamEndCapture(stream, graph);
            if (!graph.isNull()) cudart.cudaGraphDestroy(graph);
            throw failure;
        }
        capturing = false;
        CudaStatus.runtime(cudart.cudaStreamEndCapture(stream, graph), "cudaStreamEndCapture");
        CUgraphExec_st executable = new CUgraphExec_st();
        try {
            CudaStatus.runtime(cudart.cudaGraphInstantiate(executable, graph, 0L), "cudaGraphInstantiate");
        } finally {
            cudart.cudaGraphDestroy(graph);
        }
        long recordedAfter = reallocations.get();
        return new Replay() {
            @Override public void replay() {
                synchronized (CudaBackend.this) {
                    open();
                    if (executable.isNull()) throw new IllegalStateException("this replay was closed");
                    if (reallocations.get() != recordedAfter) {
                        throw new IllegalStateException("this replay's device memory may be gone: a tensor was freed, or ops on larger "
                                + "shapes replaced the backend's scratch, since it was recorded; record the work again");
                    }
                    CudaStatus.runtime(cudart.cudaGraphLaunch(executable, stream), "cudaGraphLaunch");
                }
            }

            @Override public void close() {
                synchronized (CudaBackend.this) {
                    if (!executable.isNull() && !closed) cudart.cudaGraphExecDestroy(executable);
                    executable.setNull();
                }
            }
        };
    }

    private void refuseWhileCapturing(String what) {
        if (capturing) throw new IllegalStateException(what + " is not allowed while a CUDA graph is being recorded");
    }

    @Override public synchronized void sgdUpdate(Tensor weights, Tensor velocity, Tensor grads, SgdSpec spec) {
        SgdSpec.check(weights, velocity, grads);
        kernels.sgdUpdate(address(weights, "sgdUpdate weights"), address(velocity, "sgdUpdate velocity"), address(grads, "sgdUpdate grads"),
                weights.size(), spec.learningRate(), spec.momentum(), spec.weightDecay());
    }

    // ---- tensors to device addresses ---------------------------------------------------------

    /** The device address of t's first element; throws naming {@code role} if t is null, foreign or freed. */
    private long address(Tensor t, String role) {
        open();
        if (t == null) throw new NullPointerException(role + " is null");
        if (!(t.storage() instanceof CudaStorage s) || s.owner() != this) {
            throw new IllegalArgumentException(role + ": tensor " + t + " was not allocated by this cuda backend");
        }
        return s.address(role) + t.offset() * Float.BYTES;
    }

    private RawPointer pointer(Tensor t, String role) { return new RawPointer(address(t, role)); }

    /** Throws once closed; makes this backend's device current on the calling thread. */
    private void open() {
        if (closed) throw new IllegalStateException("the cuda backend is closed");
        makeDeviceCurrent();
    }

    /** cudaSetDevice: cheap when the device is already current; the handles and stream belong to this device. */
    private void makeDeviceCurrent() {
        CudaStatus.runtime(cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
    }

    // ---- lifetime ----------------------------------------------------------------------------

    /** Waits for the device, then frees every tensor, buffer, descriptor, handle and the stream. */
    @Override public synchronized void close() {
        if (closed) return;
        release();
        closed = true;
    }

    /** Frees whatever exists, also after a constructor that failed half way (statuses are not checked here). */
    private void release() {
        cudart.cudaSetDevice(device);
        if (!stream.isNull()) cudart.cudaStreamSynchronize(stream);
        for (CudaStorage storage : new ArrayList<>(live)) free(storage);
        if (convolutions != null) convolutions.close();
        labels.close();
        rowLosses.close();
        if (staging != null) staging.close();
        if (reduced != null) reduced.close();
        if (kernels != null) kernels.close();
        for (cudnnTensorStruct descriptor : new cudnnTensorStruct[] {first, second, channels}) cudnnDestroyTensorDescriptor(descriptor);
        if (!lrn.isNull()) cudnnDestroyLRNDescriptor(lrn);
        if (!cublasHandle.isNull()) cublas.cublasDestroy_v2(cublasHandle);
        cublasWorkspace.close(); // after the handle that used it
        if (!cudnnHandle.isNull()) cudnnDestroy(cudnnHandle);
        if (!stream.isNull()) cudart.cudaStreamDestroy(stream);
    }
}
