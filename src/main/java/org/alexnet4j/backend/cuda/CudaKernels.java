package org.alexnet4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.PoolSpec;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The kernels of native/alexnet4j_kernels.cu: compiled by NVRTC to a cubin for the device's own architecture
 * (sm_XY; a cubin, not PTX, so an older driver need not JIT what a newer NVRTC made) once per process and
 * architecture ({@link #CUBINS}), loaded per backend with the driver API (into the device's primary context)
 * and launched on the backend's stream. One typed method per kernel; device arguments are raw device addresses,
 * sizes are element counts. Launch arguments go through one reused native block.
 */
final class CudaKernels implements AutoCloseable {
    /** The kernel source, a class-path resource (copied from native/ into the jar). */
    static final String SOURCE = "/native/alexnet4j_kernels.cu";

    /** The extern "C" entry points this class loads. */
    static final List<String> ENTRY_POINTS = List.of("fill_float", "multiply_float", "relu_forward", "relu_backward", "max_pool_forward",
            "max_pool_backward", "lrn_scale", "dropout_forward", "softmax_rows", "softmax_cross_entropy_backward", "sgd_update",
            "adaptive_avg_pool_forward", "adaptive_avg_pool_backward", "accumulate_float", "max_magnitude", "to_16bit", "from_16bit",
            "unscale_float");

    /** Compiled cubins by architecture ("sm_90"): NVRTC runs once per process and architecture, not per backend. */
    static final Memo<String, byte[]> CUBINS = new Memo<>(architecture -> compile(source(), architecture));

    /** The 16-bit formats of to_16bit / from_16bit (FORMAT_BFLOAT16, FORMAT_HALF in the source). */
    static final int BFLOAT16 = 0, HALF = 1;

    private static final int THREADS = 256;          // = THREADS_PER_BLOCK in the source
    private static final long MAX_BLOCKS = 1L << 20; // grid-stride loops cover the rest
    private static final int MAX_ARGUMENTS = 16;

    private final CUstream_st stream;
    private final CUctx_st context = new CUctx_st();
    private final CUmod_st module = new CUmod_st();
    private final Map<String, Kernel> kernels = new HashMap<>();
    /** Argument values, 8 bytes per slot, and the array of slot addresses that cuLaunchKernel reads. */
    private final BytePointer values = new BytePointer(8L * MAX_ARGUMENTS);
    private final PointerPointer<Pointer> slots = new PointerPointer<>(MAX_ARGUMENTS);
    private int count;
    private boolean loaded;

    /** Compiles and loads the kernels for compute capability major.minor; the device's context must be current. */
    CudaKernels(int major, int minor, CUstream_st stream) {
        this.stream = stream;
        LongPointer slotAddresses = new LongPointer(slots); // the same memory, as 64-bit addresses
        for (int i = 0; i < MAX_ARGUMENTS; i++) slotAddresses.put(i, values.address() + 8L * i);
        byte[] cubin = CUBINS.get("sm_" + major + minor);
        CudaStatus.driver(cudart.cuInit(0), "cuInit");
        CudaStatus.driver(cudart.cuCtxGetCurrent(context), "cuCtxGetCurrent");
        try (BytePointer image = new BytePointer(cubin)) {
            CudaStatus.driver(cudart.cuModuleLoadData(module, image), "cuModuleLoadData(alexnet4j_kernels)");
        }
        loaded = true;
        for (String name : ENTRY_POINTS) {
            CUfunc_st function = new CUfunc_st();
            CudaStatus.driver(cudart.cuModuleGetFunction(function, module, name), "cuModuleGetFunction(" + name + ")");
            kernels.put(name, new Kernel(name, function));
        }
    }

    /** The CUDA C source of the kernels, read from the class path. */
    static String source() {
        try (InputStream in = CudaKernels.class.getResourceAsStream(SOURCE)) {
            if (in == null) throw new IllegalStateException("kernel source " + SOURCE + " is not on the class path (native/ is packaged into the jar)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel source " + SOURCE, e);
        }
    }

    /** NVRTC: source -> cubin for {@code architecture} (e.g. sm_90), without FMA contraction (as the Java backends). */
    private static byte[] compile(String source, String architecture) {
        _nvrtcProgram program = new _nvrtcProgram();
        try (BytePointer text = new BytePointer(source); BytePointer name = new BytePointer("alexnet4j_kernels.cu")) {
            CudaStatus.nvrtc(nvrtc.nvrtcCreateProgram(program, text, name, 0, (PointerPointer<?>) null, (PointerPointer<?>) null),
                    "nvrtcCreateProgram");
        }
        try (PointerPointer<BytePointer> options = new PointerPointer<>("--gpu-architecture=" + architecture, "--fmad=false")) {
            int status = nvrtc.nvrtcCompileProgram(program, 2, options);
            if (status != nvrtc.NVRTC_SUCCESS) {
                throw new CudaException("nvrtcCompileProgram(alexnet4j_kernels.cu, " + architecture + ") failed: "
                        + nvrtc.nvrtcGetErrorString(status).getString() + "; log: " + log(program));
            }
            try (SizeTPointer size = new SizeTPointer(1)) {
                CudaStatus.nvrtc(nvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
                byte[] cubin = new byte[(int) size.get()];
                CudaStatus.nvrtc(nvrtc.nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN");
                return cubin;
            }
        } finally {
            nvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            if (nvrtc.nvrtcGetProgramLogSize(program, size) != nvrtc.NVRTC_SUCCESS) return "(no log)";
            byte[] log = new byte[(int) size.get()];
            nvrtc.nvrtcGetProgramLog(program, log);
            return new String(log, StandardCharsets.UTF_8).replace("\0", "").strip().replace('\n', ' ');
        }
    }

    /** One entry point of the module, by its extern "C" name. */
    private record Kernel(String name, CUfunc_st function) {}

    private Kernel kernel(String name) { return kernels.get(name); }

    // ---- typed launches (element counts n > 0; addresses are device addresses) ---------------------

    /** x[i] = value. */
    synchronized void fill(long x, long n, float value) {
        arguments().address(x).int64(n).float32(value).launch(kernel("fill_float"), blocksFor(n));
    }

    /** out[i] = a[i] * b[i]; out may alias a or b. */
    synchronized void multiply(long out, long a, long b, long n) {
        arguments().address(out).address(a).address(b).int64(n).launch(kernel("multiply_float"), blocksFor(n));
    }

    /** scale = k + alphaOverSize * channel-window sum of x^2. x, scale: (N, channels, spatial), n elements. */
    synchronized void lrnScale(long scale, long x, int channels, long spatial, long n, int size, float alphaOverSize, float k) {
        arguments().address(scale).address(x).int32(channels).int64(spatial).int64(n).int32(size).float32(alphaOverSize).float32(k)
                .launch(kernel("lrn_scale"), blocksFor(n));
    }

    /** mask[i] = uniform(seed, i) < p ? 0 : scale; y = x * mask. */
    synchronized void dropoutForward(long y, long mask, long x, long n, float p, float scale, long seed) {
        arguments().address(y).address(mask).address(x).int64(n).float32(p).float32(scale).int64(seed).launch(kernel("dropout_forward"), blocksFor(n));
    }

    /** probs = softmax(logits) per row; rowLoss[r] = -log probs[r][labels[r]] unless labels is 0. */
    synchronized void softmaxRows(long probs, long rowLoss, long logits, long labels, int rows, int classes) {
        arguments().address(probs).address(rowLoss).address(logits).address(labels).int32(classes).launch(kernel("softmax_rows"), rows);
    }

    /** dlogits = (probs - onehot(labels)) / rows. */
    synchronized void softmaxCrossEntropyBackward(long dlogits, long probs, long labels, int rows, int classes) {
        long n = (long) rows * classes;
        arguments().address(dlogits).address(probs).address(labels).int32(rows).int32(classes).launch(kernel("softmax_cross_entropy_backward"), blocksFor(n));
    }

    /** The paper's SGD step over n elements. */
    synchronized void sgdUpdate(long weights, long velocity, long grads, long n, float learningRate, float momentum, float weightDecay) {
        arguments().address(weights).address(velocity).address(grads).int64(n).float32(learningRate).float32(momentum).float32(weightDecay)
                .launch(kernel("sgd_update"), blocksFor(n));
    }

    /** Adaptive average pooling of planes (H, W) to (P, Q). */
    synchronized void adaptiveAvgPoolForward(long y, long x, long planes, int h, int w, int p, int q) {
        arguments().address(y).address(x).int64(planes).int32(h).int32(w).int32(p).int32(q).launch(kernel("adaptive_avg_pool_forward"), blocksFor(planes * p * q));
    }

    /** Its gradient: dx (planes, H, W) from dy (planes, P, Q). */
    synchronized void adaptiveAvgPoolBackward(long dx, long dy, long planes, int h, int w, int p, int q) {
        arguments().address(dx).address(dy).int64(planes).int32(h).int32(w).int32(p).int32(q).launch(kernel("adaptive_avg_pool_backward"), blocksFor(planes * h * w));
    }

    /** y = relu(x) as Math.max(x, 0) (NaN kept); y may be x. */
    synchronized void reluForward(long y, long x, long n) {
        arguments().address(y).address(x).int64(n).launch(kernel("relu_forward"), blocksFor(n));
    }

    /** dx = dy where y > 0, else 0; dx may be dy. */
    synchronized void reluBackward(long dx, long dy, long y, long n) {
        arguments().address(dx).address(dy).address(y).int64(n).launch(kernel("relu_backward"), blocksFor(n));
    }

    /** Max pooling of planes (H, W) to (P, Q), the first NaN or else the first maximum of each window. */
    synchronized void maxPoolForward(long y, long x, long planes, int h, int w, int p, int q, PoolSpec spec) {
        pooling(arguments().address(y).address(x), planes, h, w, p, q, spec).launch(kernel("max_pool_forward"), blocksFor(planes * p * q));
    }

    /** Its gradient: dx (planes, H, W) overwritten with dy routed to each window's maximum. */
    synchronized void maxPoolBackward(long dx, long dy, long x, long planes, int h, int w, int p, int q, PoolSpec spec) {
        pooling(arguments().address(dx).address(dy).address(x), planes, h, w, p, q, spec).launch(kernel("max_pool_backward"), blocksFor(planes * h * w));
    }

    private CudaKernels pooling(CudaKernels arguments, long planes, int h, int w, int p, int q, PoolSpec spec) {
        return arguments.int64(planes).int32(h).int32(w).int32(p).int32(q).int32(spec.windowH()).int32(spec.windowW())
                .int32(spec.strideH()).int32(spec.strideW()).int32(spec.padH()).int32(spec.padW());
    }

    /** out[i] += in[i]. */
    synchronized void accumulate(long out, long in, long n) {
        arguments().address(out).address(in).int64(n).launch(kernel("accumulate_float"), blocksFor(n));
    }

    /** *amax = max(*amax, max |x[i]|) (start it at 0). */
    synchronized void maxMagnitude(long amax, long x, long n) {
        arguments().address(amax).address(x).int64(n).launch(kernel("max_magnitude"), blocksFor(n));
    }

    /**
     * out (16-bit {@code format}, NHWC when {@code nhwc}) = x (float32 (N, C, H, W)) times the operand scale
     * from *amax and {@code target} (amax 0: scale 1).
     */
    synchronized void to16Bit(long out, long x, int n, int c, int h, int w, boolean nhwc, int format, long amax, float target) {
        long count = (long) n * c * h * w;
        arguments().address(out).address(x).int32(n).int32(c).int32(h).int32(w).int32(nhwc ? 1 : 0).int32(format).address(amax).float32(target)
                .launch(kernel("to_16bit"), blocksFor(count));
    }

    /** out (float32 NCHW) (+)= in (16-bit, NHWC when nhwc) / (scale a * scale b), the scales of to16Bit (amax 0: 1). */
    synchronized void from16Bit(long out, long in, int n, int c, int h, int w, boolean nhwc, int format, long amaxA, long amaxB, float target,
                                boolean accumulate) {
        long count = (long) n * c * h * w;
        arguments().address(out).address(in).int32(n).int32(c).int32(h).int32(w).int32(nhwc ? 1 : 0).int32(format).address(amaxA).address(amaxB)
                .float32(target).int32(accumulate ? 1 : 0).launch(kernel("from_16bit"), blocksFor(count));
    }

    /** out (+)= in / (scale a * scale b): a float32 product of scaled half operands, unscaled. */
    synchronized void unscale(long out, long in, long n, long amaxA, long amaxB, float target, boolean accumulate) {
        arguments().address(out).address(in).int64(n).address(amaxA).address(amaxB).float32(target).int32(accumulate ? 1 : 0)
                .launch(kernel("unscale_float"), blocksFor(n));
    }

    private static int blocksFor(long n) { return (int) Math.min((n + THREADS - 1) / THREADS, MAX_BLOCKS); }

    // ---- the argument block (callers hold the lock) ------------------------------------------------

    private CudaKernels arguments() {
        if (!loaded) throw new IllegalStateException("cuda kernels were released (backend closed)");
        count = 0;
        return this;
    }

    private CudaKernels address(long value) { return int64(value); }

    private CudaKernels int64(long value) {
        values.putLong(8L * next(), value);
        return this;
    }

    private CudaKernels int32(int value) {
        values.putInt(8L * next(), value);
        return this;
    }

    private CudaKernels float32(float value) {
        values.putFloat(8L * next(), value);
        return this;
    }

    private int next() {
        if (count == MAX_ARGUMENTS) throw new IllegalStateException("more than " + MAX_ARGUMENTS + " kernel arguments");
        return count++;
    }

    /** cuLaunchKernel copies the argument values, so the block may be rewritten as soon as it returns. */
    private void launch(Kernel kernel, int blocks) {
        CudaStatus.driver(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent"); // the caller's thread may be new to CUDA
        // The PointerPointer overload passes slots itself as void** kernelParams (the Pointer overload would pass &slots).
        CudaStatus.driver(cudart.cuLaunchKernel(kernel.function(), blocks, 1, 1, THREADS, 1, 1, 0, stream, slots, (PointerPointer<?>) null),
                "cuLaunchKernel(" + kernel.name() + ")");
    }

    @Override public synchronized void close() {
        if (loaded) CudaStatus.driver(cudart.cuModuleUnload(module), "cuModuleUnload");
        loaded = false;
        values.close();
        slots.close();
    }
}
