package org.alexnet4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.alexnet4j.backend.BackendOptions.Precision;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.tensor.Shape;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * cuDNN convolutions. Per (x shape, w shape, spec) one plan holds the descriptors (groups included) and
 * the forward, backward-data and backward-filter algorithms, each chosen once with cudnnFind* the first
 * time it runs. All plans share one grow-only workspace. Math: FP32 runs with CUDNN_FMA_MATH
 * (CUDNN_DEFAULT_MATH would permit TF32 on Ampere and later) and only direct or GEMM-based algorithms, whose
 * rounding is that of float32 dot products (FFT and Winograd transforms add their own, several times larger);
 * TF32 uses CUDNN_DEFAULT_MATH, the math type cuDNN measured, and any algorithm. A deterministic algorithm
 * is preferred whenever one qualifies. The filter gradient is computed into a scratch buffer with beta = 0,
 * the setting cudnnFind* measured the algorithms with, and then added to dw by a kernel (the Backend's +=).
 */
final class ConvolutionPlans implements AutoCloseable {
    /** The most workspace one algorithm may ask for. */
    static final long WORKSPACE_LIMIT_BYTES = 1L << 30;

    private record Key(Shape x, Shape w, ConvSpec spec) {}

    /** An algorithm of one direction, with the math type and workspace it runs with. */
    private record Algorithm(int algo, int mathType, long workspaceBytes) {}

    /** One row of a cudnnFind* result, whatever the direction. */
    private record Candidate(int algo, int status, int determinism, int mathType, long memory) {}

    /** The FFT and Winograd algorithms of each direction (left out in FP32). */
    private static final Set<Integer> FORWARD_TRANSFORMS = Set.of(CUDNN_CONVOLUTION_FWD_ALGO_FFT, CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING,
            CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD, CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED);
    private static final Set<Integer> BACKWARD_DATA_TRANSFORMS = Set.of(CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT,
            CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING, CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD, CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED);
    private static final Set<Integer> BACKWARD_FILTER_TRANSFORMS = Set.of(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT,
            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD,
            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED);

    private final cudnnContext handle;
    private final Precision precision;
    private final Pointer one, zero; // host float scalars for alpha and beta
    private final CudaKernels kernels;
    private final DeviceBuffer workspace = new DeviceBuffer("cuDNN convolution workspace");
    private final DeviceBuffer filterGradient = new DeviceBuffer("filter gradient scratch");
    private final Map<Key, Plan> plans = new HashMap<>();

    ConvolutionPlans(cudnnContext handle, CudaKernels kernels, Precision precision, Pointer one, Pointer zero) {
        this.handle = handle;
        this.kernels = kernels;
        this.precision = precision;
        this.one = one;
        this.zero = zero;
    }

    /** y = conv(x, w) (+ bias when bias != 0). Addresses are device addresses. */
    void forward(long y, long x, long w, long bias, Shape xShape, Shape wShape, ConvSpec spec) {
        Plan p = plan(xShape, wShape, spec);
        if (p.forward == null) p.forward = findForward(p);
        long ws = prepare(p, p.forward);
        CudaStatus.cudnn(cudnnConvolutionForward(handle, one, p.x, new RawPointer(x), p.w, new RawPointer(w), p.convolution,
                p.forward.algo(), new RawPointer(ws), p.forward.workspaceBytes(), zero, p.y, new RawPointer(y)), "cudnnConvolutionForward");
        if (bias != 0) {
            CudaStatus.cudnn(cudnnAddTensor(handle, one, p.bias, new RawPointer(bias), one, p.y, new RawPointer(y)), "cudnnAddTensor(conv bias)");
        }
    }

    /** dx = gradient w.r.t. the input (overwritten). */
    void backwardData(long dx, long dy, long w, Shape xShape, Shape wShape, ConvSpec spec) {
        Plan p = plan(xShape, wShape, spec);
        if (p.backwardData == null) p.backwardData = findBackwardData(p);
        long ws = prepare(p, p.backwardData);
        CudaStatus.cudnn(cudnnConvolutionBackwardData(handle, one, p.w, new RawPointer(w), p.y, new RawPointer(dy), p.convolution,
                p.backwardData.algo(), new RawPointer(ws), p.backwardData.workspaceBytes(), zero, p.x, new RawPointer(dx)),
                "cudnnConvolutionBackwardData");
    }

    /** dw += gradient w.r.t. the filter: computed into scratch (beta = 0, as the algorithm was found), then added. */
    void backwardFilter(long dw, long dy, long x, Shape xShape, Shape wShape, ConvSpec spec) {
        Plan p = plan(xShape, wShape, spec);
        if (p.backwardFilter == null) p.backwardFilter = findBackwardFilter(p);
        long scratch = filterGradient.reserve(wShape.size() * Float.BYTES);
        long ws = prepare(p, p.backwardFilter);
        CudaStatus.cudnn(cudnnConvolutionBackwardFilter(handle, one, p.x, new RawPointer(x), p.y, new RawPointer(dy), p.convolution,
                p.backwardFilter.algo(), new RawPointer(ws), p.backwardFilter.workspaceBytes(), zero, p.w, new RawPointer(scratch)),
                "cudnnConvolutionBackwardFilter");
        kernels.accumulate(dw, scratch, wShape.size());
    }

    private long prepare(Plan p, Algorithm algorithm) {
        CudaStatus.cudnn(cudnnSetConvolutionMathType(p.convolution, algorithm.mathType()), "cudnnSetConvolutionMathType");
        return workspace.reserve(algorithm.workspaceBytes());
    }

    private Plan plan(Shape x, Shape w, ConvSpec spec) {
        return plans.computeIfAbsent(new Key(x, w, spec), key -> new Plan(key.x(), key.w(), key.spec()));
    }

    // ---- choosing algorithms --------------------------------------------------------------------

    private Algorithm findForward(Plan p) {
        int max = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
        try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(max); IntPointer returned = new IntPointer(1)) {
            CudaStatus.cudnn(cudnnFindConvolutionForwardAlgorithm(handle, p.x, p.w, p.convolution, p.y, max, returned, perf),
                    "cudnnFindConvolutionForwardAlgorithm");
            return choose("forward", FORWARD_TRANSFORMS, p, returned.get(), i -> {
                cudnnConvolutionFwdAlgoPerf_t r = perf.getPointer(i);
                return new Candidate(r.algo(), r.status(), r.determinism(), r.mathType(), r.memory());
            });
        }
    }

    private Algorithm findBackwardData(Plan p) {
        int max = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
        try (cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(max); IntPointer returned = new IntPointer(1)) {
            CudaStatus.cudnn(cudnnFindConvolutionBackwardDataAlgorithm(handle, p.w, p.y, p.convolution, p.x, max, returned, perf),
                    "cudnnFindConvolutionBackwardDataAlgorithm");
            return choose("backward-data", BACKWARD_DATA_TRANSFORMS, p, returned.get(), i -> {
                cudnnConvolutionBwdDataAlgoPerf_t r = perf.getPointer(i);
                return new Candidate(r.algo(), r.status(), r.determinism(), r.mathType(), r.memory());
            });
        }
    }

    private Algorithm findBackwardFilter(Plan p) {
        int max = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
        try (cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(max); IntPointer returned = new IntPointer(1)) {
            CudaStatus.cudnn(cudnnFindConvolutionBackwardFilterAlgorithm(handle, p.x, p.y, p.convolution, p.w, max, returned, perf),
                    "cudnnFindConvolutionBackwardFilterAlgorithm");
            return choose("backward-filter", BACKWARD_FILTER_TRANSFORMS, p, returned.get(), i -> {
                cudnnConvolutionBwdFilterAlgoPerf_t r = perf.getPointer(i);
                return new Candidate(r.algo(), r.status(), r.determinism(), r.mathType(), r.memory());
            });
        }
    }

    /**
     * From cuDNN's candidates (fastest first): those that ran and fit the workspace limit, and in FP32 measured
     * without tensor cores and not among {@code transforms}; the first deterministic one of them, else the fastest.
     */
    private Algorithm choose(String direction, Set<Integer> transforms, Plan p, int returned, IntFunction<Candidate> row) {
        List<Candidate> usable = new ArrayList<>();
        for (int i = 0; i < returned; i++) {
            Candidate c = row.apply(i);
            boolean tensorCores = c.mathType() == CUDNN_TENSOR_OP_MATH || c.mathType() == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
            boolean exactEnough = precision != Precision.FP32 || !(tensorCores || transforms.contains(c.algo()));
            if (c.status() == CUDNN_STATUS_SUCCESS && c.memory() <= WORKSPACE_LIMIT_BYTES && exactEnough) usable.add(c);
        }
        if (usable.isEmpty()) {
            throw new CudaException("no usable cuDNN " + direction + " convolution algorithm for x " + p.key.x() + ", w " + p.key.w()
                    + ", " + p.key.spec() + " (" + returned + " candidates, precision " + precision + ")");
        }
        Candidate best = usable.stream().filter(c -> c.determinism() == CUDNN_DETERMINISTIC).findFirst().orElse(usable.get(0));
        return new Algorithm(best.algo(), precision == Precision.FP32 ? CUDNN_FMA_MATH : best.mathType(), best.memory());
    }

    // ---- descriptors ----------------------------------------------------------------------------

    /** The descriptors of one convolution shape; the y descriptor also serves dy, x serves dx, w serves dw. */
    private final class Plan {
        final Key key;
        final cudnnTensorStruct x, y, bias;
        final cudnnFilterStruct w = new cudnnFilterStruct();
        final cudnnConvolutionStruct convolution = new cudnnConvolutionStruct();
        Algorithm forward, backwardData, backwardFilter; // chosen on first use

        Plan(Shape xShape, Shape wShape, ConvSpec spec) {
            key = new Key(xShape, wShape, spec);
            x = CudaDescriptors.create(xShape);
            y = CudaDescriptors.create(spec.outputShape(xShape, wShape));
            bias = CudaDescriptors.create(Shape.of(wShape.dim(0)));
            CudaStatus.cudnn(cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor");
            CudaStatus.cudnn(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                    wShape.dim(0), wShape.dim(1), wShape.dim(2), wShape.dim(3)), "cudnnSetFilter4dDescriptor");
            CudaStatus.cudnn(cudnnCreateConvolutionDescriptor(convolution), "cudnnCreateConvolutionDescriptor");
            CudaStatus.cudnn(cudnnSetConvolution2dDescriptor(convolution, spec.padH(), spec.padW(), spec.strideH(), spec.strideW(),
                    1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor");
            CudaStatus.cudnn(cudnnSetConvolutionGroupCount(convolution, spec.groups()), "cudnnSetConvolutionGroupCount");
            CudaStatus.cudnn(cudnnSetConvolutionMathType(convolution, precision == Precision.FP32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH),
                    "cudnnSetConvolutionMathType");
        }

        void destroy() {
            cudnnDestroyTensorDescriptor(x);
            cudnnDestroyTensorDescriptor(y);
            cudnnDestroyTensorDescriptor(bias);
            cudnnDestroyFilterDescriptor(w);
            cudnnDestroyConvolutionDescriptor(convolution);
        }
    }

    @Override public void close() {
        plans.values().forEach(Plan::destroy);
        plans.clear();
        workspace.close();
        filterGradient.close();
    }
}
