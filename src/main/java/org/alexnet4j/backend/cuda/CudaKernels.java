package org.alexnet4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * The kernels of native/alexnet4j_kernels.cu: compiled once per backend by NVRTC to a cubin for the device's
 * own architecture (sm_XY; a cubin, not PTX, so an older driver need not JIT what a newer NVRTC made), loaded
 * with the driver API and launched on the backend's stream. One typed method per kernel; device arguments
 * are raw device addresses, sizes are element counts. Launch arguments go through one reused native block.
 */
final class CudaKernels implements AutoCloseable {
    /** The kernel source, a class-path resource (copied from native/ into the jar). */
    static final String SOURCE = "/native/alexnet4j_kernels.cu";

    private static final int THREADS = 256;          // = THREADS_PER_BLOCK in the source
    private static final long MAX_BLOCKS = 1L << 20; // grid-stride loops cover the rest
    private static final int MAX_ARGUMENTS = 16;

    private final CUstream_st stream;
    private final CUctx_st context = new CUctx_st();
    private final CUmod_st module = new CUmod_st();
    private final Kernel fill, multiply, lrnScale, dropoutForward, softmaxRows, softmaxCrossEntropyBackward, sgdUpdate,
            adaptiveAvgPoolForward, adaptiveAvgPoolBackward;
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
        byte[] cubin = compile(source(), "sm_" + major + minor);
        CudaStatus.driver(cudart.cuInit(0), "cuInit");
        CudaStatus.driver(cudart.cuCtxGetCurrent(context), "cuCtxGetCurrent");
        try (BytePointer image = new BytePointer(cubin)) {
            CudaStatus.driver(cudart.cuModuleLoadData(module, image), "cuModuleLoadData(alexnet4j_kernels)");
        }
        loaded = true;
        fill = kernel("fill_float");
        multiply = kernel("multiply_float");
        lrnScale = kernel("lrn_scale");
        dropoutForward = kernel("dropout_forward");
        softmaxRows = kernel("softmax_rows");
        softmaxCrossEntropyBackward = kernel("softmax_cross_entropy_backward");
        sgdUpdate = kernel("sgd_update");
        adaptiveAvgPoolForward = kernel("adaptive_avg_pool_forward");
        adaptiveAvgPoolBackward = kernel("adaptive_avg_pool_backward");
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

    private Kernel kernel(String name) {
        CUfunc_st function = new CUfunc_st();
        CudaStatus.driver(cudart.cuModuleGetFunction(function, module, name), "cuModuleGetFunction(" + name + ")");
        return new Kernel(name, function);
    }

    // ---- typed launches (element counts n > 0; addresses are device addresses) ---------------------

    /** x[i] = value. */
    synchronized void fill(long x, long n, float value) {
        arguments().address(x).int64(n).float32(value).launch(fill, blocksFor(n));
    }

    /** out[i] = a[i] * b[i]; out may alias a or b. */
    synchronized void multiply(long out, long a, long b, long n) {
        arguments().address(out).address(a).address(b).int64(n).launch(multiply, blocksFor(n));
    }

    /** scale = k + alphaOverSize * channel-window sum of x^2. x, scale: (N, channels, spatial), n elements. */
    synchronized void lrnScale(long scale, long x, int channels, long spatial, long n, int size, float alphaOverSize, float k) {
        arguments().address(scale).address(x).int32(channels).int64(spatial).int64(n).int32(size).float32(alphaOverSize).float32(k)
                .launch(lrnScale, blocksFor(n));
    }

    /** mask[i] = uniform(seed, i) < p ? 0 : scale; y = x * mask. */
    synchronized void dropoutForward(long y, long mask, long x, long n, float p, float scale, long seed) {
        arguments().address(y).address(mask).address(x).int64(n).float32(p).float32(scale).int64(seed).launch(dropoutForward, blocksFor(n));
    }

    /** probs = softmax(logits) per row; rowLoss[r] = -log probs[r][labels[r]] unless labels is 0. */
    synchronized void softmaxRows(long probs, long rowLoss, long logits, long labels, int rows, int classes) {
        arguments().address(probs).address(rowLoss).address(logits).address(labels).int32(classes).launch(softmaxRows, rows);
    }

    /** dlogits = (probs - onehot(labels)) / rows. */
    synchronized void softmaxCrossEntropyBackward(long dlogits, long probs, long labels, int rows, int classes) {
        long n = (long) rows * classes;
        arguments().address(dlogits).address(probs).address(labels).int32(rows).int32(classes).launch(softmaxCrossEntropyBackward, blocksFor(n));
    }

    /** The paper's SGD step over n elements. */
    synchronized void sgdUpdate(long weights, long velocity, long grads, long n, float learningRate, float momentum, float weightDecay) {
        arguments().address(weights).address(velocity).address(grads).int64(n).float32(learningRate).float32(momentum).float32(weightDecay)
                .launch(sgdUpdate, blocksFor(n));
    }

    /** Adaptive average pooling of planes (H, W) to (P, Q). */
    synchronized void adaptiveAvgPoolForward(long y, long x, long planes, int h, int w, int p, int q) {
        arguments().address(y).address(x).int64(planes).int32(h).int32(w).int32(p).int32(q).launch(adaptiveAvgPoolForward, blocksFor(planes * p * q));
    }

    /** Its gradient: dx (planes, H, W) from dy (planes, P, Q). */
    synchronized void adaptiveAvgPoolBackward(long dx, long dy, long planes, int h, int w, int p, int q) {
        arguments().address(dx).address(dy).int64(planes).int32(h).int32(w).int32(p).int32(q).launch(adaptiveAvgPoolBackward, blocksFor(planes * h * w));
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
