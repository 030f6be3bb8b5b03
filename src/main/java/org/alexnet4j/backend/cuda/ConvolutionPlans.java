package org.alexnet4j.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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
 * BF16 and FP16 convert both operands to 16 bits in NHWC ({@link ReducedOperands}), let cuDNN's tensor cores
 * compute with float32 accumulation into a 16-bit NHWC result, and bring that back to float32 NCHW (+= for dw).
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
    private final DeviceBuffer workspace, filterGradient;
    private final ReducedOperands reduced; // the backend's, BF16 and FP16 only
    private final Map<Key, Plan> plans = new HashMap<>();

    /**
     * reallocations: the backend's count of device blocks freed for larger ones ({@link DeviceBuffer}); reduced: the
     * backend's 16-bit operands in BF16 and FP16 (else null), which it closes.
     */
    ConvolutionPlans(cudnnContext handle, CudaKernels kernels, Precision precision, Pointer one, Pointer zero, AtomicLong reallocations,
                     ReducedOperands reduced) {
        this.handle = handle;
        this.workspace = new DeviceBuffer("cuDNN convolution workspace", reallocations);
        this.filterGradient = new DeviceBuffer("filter gradient scratch", reallocations);
        this.kernels = kernels;
        this.precision = precision;
        this.one = one;
        this.zero = zero;
        this.reduced = reduced;
    }

    /** y = conv(x, w) (+ bias when bias != 0). Addresses are device addresses. */
    void forward(long y, long x, long w, long bias, Shape xShape, Shape wShape, ConvSpec spec) {
        Plan p = plan(xShape, wShape, spec);
        if (p.forward == null) p.forward = findForward(p);
        long ws = prepare(p, p.forward);
        long xOperand = x, wOperand = w, yResult = y;
        if (reduced != null) {
            reduced.convert(x, xShape.dims(), w, wShape.dims(), true, p.forwardTerms());
            xOperand = reduced.first();
            wOperand = reduced.second();
            yResult = reduced.result16(p.yShape.size());
        }
        CudaStatus.cudnn(cudnnConvolutionForward(handle, one, p.x, new RawPointer(xOperand), p.w, new RawPointer(wOperand), p.convolution,
                p.forward.algo(), new RawPointer(ws), p.forward.workspaceBytes(), zero, p.y, new RawPointer(yResult)), "cudnnConvolutionForward");
        if (reduced != null) reduced.from16(y, p.yShape.dims(), false);
        if (bias != 0) {
            CudaStatus.cudnn(cudnnAddTensor(handle, one, p.bias, new RawPointer(bias), one, p.output, new RawPointer(y)), "cudnnAddTensor(conv bias)");
        }
    }

    /** dx = gradient w.r.t. the input (overwritten). */
    void backwardData(long dx, long dy, long w, Shape xShape, Shape wShape, ConvSpec spec) {
        Plan p = plan(xShape, wShape, spec);
        if (p.backwardData == null) p.backwardData = findBackwardData(p);
        long ws = prepare(p, p.backwardData);
        long dyOperand = dy, wOperand = w, dxResult = dx;
        if (reduced != null) {
            reduced.convert(dy, p.yShape.dims(), w, wShape.dims(), true, p.backwardDataTerms());
            dyOperand = reduced.first();
            wOperand = reduced.second();
            dxResult = reduced.result16(xShape.size());
        }
        CudaStatus.cudnn(cudnnConvolutionBackwardData(handle, one, p.w, new RawPointer(wOperand), p.y, new RawPointer(dyOperand), p.convolution,
                p.backwardData.algo(), new RawPointer(ws), p.backwardData.workspaceBytes(), zero, p.x, new RawPointer(dxResult)),
                "cudnnConvolutionBackwardData");
        if (reduced != null) reduced.from16(dx, xShape.dims(), false);
    }

    /** dw += gradient w.r.t. the filter: computed into scratch (beta = 0, as the algorithm was found), then added. */
    void backwardFilter(long dw, long dy, long x, Shape xShape, Shape wShape, ConvSpec spec) {
        Plan p = plan(xShape, wShape, spec);
        if (p.backwardFilter == null) p.backwardFilter = findBackwardFilter(p);
        long xOperand = x, dyOperand = dy, scratch;
        if (reduced != null) {
            reduced.convert(x, xShape.dims(), dy, p.yShape.dims(), true, p.backwardFilterTerms());
            xOperand = reduced.first();
            dyOperand = reduced.second();
            scratch = reduced.result16(wShape.size());
        } else {
            scratch = filterGradient.reserve(wShape.size() * Float.BYTES);
        }
        long ws = prepare(p, p.backwardFilter);
        CudaStatus.cudnn(cudnnConvolutionBackwardFilter(handle, one, p.x, new RawPointer(xOperand), p.y, new RawPointer(dyOperand), p.convolution,
                p.backwardFilter.algo(), new RawPointer(ws), p.backwardFilter.workspaceBytes(), zero, p.w, new RawPointer(scratch)),
                "cudnnConvolutionBackwardFilter");
        if (reduced != null) reduced.from16(dw, wShape.dims(), true);
        else kernels.accumulate(dw, scratch, wShape.size());
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

    /**
     * The descriptors of one convolution shape as cuDNN computes it: x, y and w describe the operands (float32
     * NCHW, or 16-bit NHWC in BF16/FP16); the y descriptor also serves dy, x serves dx, w serves dw. output and
     * bias are float32 NCHW, for adding the bias to the float32 result.
     */
    private final class Plan {
        final Key key;
        final Shape yShape;
        final cudnnTensorStruct x, y, output, bias;
        final cudnnFilterStruct w = new cudnnFilterStruct();
        final cudnnConvolutionStruct convolution = new cudnnConvolutionStruct();
        Algorithm forward, backwardData, backwardFilter; // chosen on first use

        Plan(Shape xShape, Shape wShape, ConvSpec spec) {
            key = new Key(xShape, wShape, spec);
            yShape = spec.outputShape(xShape, wShape);
            int dataType = reduced == null ? CUDNN_DATA_FLOAT : reduced.cudnnDataType();
            int layout = reduced == null ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC;
            x = CudaDescriptors.create();
            CudaDescriptors.set(x, layout, dataType, xShape);
            y = CudaDescriptors.create();
            CudaDescriptors.set(y, layout, dataType, yShape);
            output = CudaDescriptors.create(yShape);
            bias = CudaDescriptors.create(Shape.of(wShape.dim(0)));
            CudaStatus.cudnn(cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor");
            CudaStatus.cudnn(cudnnSetFilter4dDescriptor(w, dataType, layout, wShape.dim(0), wShape.dim(1), wShape.dim(2), wShape.dim(3)),
                    "cudnnSetFilter4dDescriptor");
            CudaStatus.cudnn(cudnnCreateConvolutionDescriptor(convolution), "cudnnCreateConvolutionDescriptor");
            // the compute type: float32 accumulation in every precision
            CudaStatus.cudnn(cudnnSetConvolution2dDescriptor(convolution, spec.padH(), spec.padW(), spec.strideH(), spec.strideW(),
                    1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor");
            CudaStatus.cudnn(cudnnSetConvolutionGroupCount(convolution, spec.groups()), "cudnnSetConvolutionGroupCount");
            CudaStatus.cudnn(cudnnSetConvolutionMathType(convolution, switch (precision) {
                case FP32 -> CUDNN_FMA_MATH;
                case TF32 -> CUDNN_DEFAULT_MATH;
                case BF16, FP16 -> CUDNN_TENSOR_OP_MATH;
            }), "cudnnSetConvolutionMathType");
        }

        /** Products summed per output: forward C/groups*R*S, backward data K/groups*R*S, backward filter N*P*Q. */
        long forwardTerms() { return key.w().size() / key.w().dim(0); }

        long backwardDataTerms() { return (long) key.w().dim(0) / key.spec().groups() * key.w().dim(2) * key.w().dim(3); }

        long backwardFilterTerms() { return (long) yShape.dim(0) * yShape.dim(2) * yShape.dim(3); }

        void destroy() {
            for (cudnnTensorStruct d : new cudnnTensorStruct[] {x, y, output, bias}) cudnnDestroyTensorDescriptor(d);
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
