package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.AdaptivePoolShape;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.BiasShape;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.backend.Elementwise;
import org.alexnet4j.backend.LinearShape;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.MemoryOps;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.backend.SoftmaxShape;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.backend.host.HostStorage;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * The multi-threaded Vector API backend: off-heap float32 tensors ({@link HostStorage}), GEMM-based
 * convolution and linear layers ({@link Gemm}, {@link Convolution}), vectorized element-wise, pooling and
 * normalization loops, all run on a worker pool this backend owns. Ops run synchronously; like every
 * backend, one instance serves one calling thread at a time.
 */
public final class CpuBackend implements Backend {
    public static final String NAME = "cpu";
    /** Floats per task of element-wise ops: large enough to amortize a hand-off, small enough to balance. */
    private static final int CHUNK = 1 << 16;
    /** Linear forward runs as dot products up to this batch, as a GEMM above it (measured: bench/RESULTS.md). */
    private static final int DOT_BATCH = 4;

    private final WorkerPool pool;
    private final Scratch[] scratch;
    private final Gemm gemm;
    private final Convolution convolution;
    private final Pooling.Planes[] planes;
    private final ZeroSkippingLinear zeroSkipping;

    /** A backend with {@code options.resolvedThreads()} workers, computing as {@code options.cpu()} says. */
    public CpuBackend(BackendOptions options) {
        this.pool = new WorkerPool(options.resolvedThreads());
        this.scratch = new Scratch[pool.size()];
        for (int i = 0; i < scratch.length; i++) scratch[i] = new Scratch();
        this.gemm = new Gemm(scratch, options.cpu().gemm());
        this.convolution = new Convolution(pool, scratch, gemm, LoweringChoice.of(options.cpu().lowering()), options.cpu().convolution());
        this.planes = new Pooling.Planes[pool.size()];
        for (int i = 0; i < planes.length; i++) planes[i] = new Pooling.Planes();
        this.zeroSkipping = new ZeroSkippingLinear(pool, scratch[0]);
    }

    @Override public String name() { return NAME; }

    @Override public String description() { return "cpu: " + pool.size() + " threads, " + CpuConfig.describe(); }

    private static MemorySegment segment(Tensor t, String role) { return HostStorage.segment(t, NAME, role); }

    private static MemorySegment target(Tensor t, String role) { return HostStorage.target(t, NAME, role); }

    /** Runs body over [0, n) in chunks of CHUNK floats, in parallel when there is more than one chunk. */
    private void chunks(long n, ChunkBody body) {
        int count = (int) ((n + CHUNK - 1) / CHUNK);
        if (count <= 1) {
            body.run(0, n);
            return;
        }
        pool.forEach(count, (worker, t) -> {
            long from = (long) t * CHUNK;
            body.run(from, Math.min(n, from + CHUNK) - from);
        });
    }

    private interface ChunkBody { void run(long offset, long length); }

    // ---- memory ------------------------------------------------------------------------------

    @Override public Tensor allocate(Shape shape) { return Tensor.owning(shape, new HostStorage(shape.size(), NAME)); }

    @Override public void requireMemory(String what, long bytes) { HostLimits.requireNative(what, bytes); }

    @Override public void freeze(Tensor t) { HostStorage.freeze(t, NAME); }

    @Override public void copyFromHost(Tensor dst, float[] src, int srcOffset) {
        MemoryOps.checkHostRange("copyFromHost src", src.length, srcOffset, dst.size());
        MemorySegment.copy(src, srcOffset, target(dst, "copyFromHost dst"), HostStorage.FLOAT, 0, (int) dst.size());
    }

    @Override public void copyToHost(float[] dst, int dstOffset, Tensor src) {
        MemoryOps.checkHostRange("copyToHost dst", dst.length, dstOffset, src.size());
        MemorySegment.copy(segment(src, "copyToHost src"), HostStorage.FLOAT, 0, dst, dstOffset, (int) src.size());
    }

    @Override public void fill(Tensor t, float value) {
        MemorySegment s = target(t, "fill t");
        chunks(t.size(), (off, len) -> Loops.fill(s, off, len, value));
    }

    @Override public void copy(Tensor dst, Tensor src) {
        MemoryOps.checkCopy(dst, src);
        MemorySegment.copy(segment(src, "copy src"), 0, target(dst, "copy dst"), 0, src.size() * Float.BYTES);
    }

    @Override public void synchronize() {}

    @Override public boolean tuning() { return convolution.tuning(); }

    /** How many convolution shape-and-direction lowering choices are made (for tests). */
    int settledLoweringChoices() { return convolution.settledLoweringChoices(); }

    // ---- convolution -------------------------------------------------------------------------

    @Override public void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec) { convolutionForward("conv2dForward", y, x, w, bias, spec, false); }

    /** Bias and ReLU are applied as each output tile is stored, not in passes of their own. */
    @Override public void conv2dReluForward(Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec) { convolutionForward("conv2dReluForward", y, x, w, bias, spec, true); }

    private void convolutionForward(String op, Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec, boolean relu) {
        spec.checkForward(op, y, x, w, bias);
        convolution.forward(segment(y, op + " y"), segment(x, op + " x"), segment(w, op + " w"),
                bias == null ? null : segment(bias, op + " bias"), Convolution.Geometry.of(x.shape(), w.shape(), spec), relu);
    }

    @Override public void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, ConvSpec spec) {
        spec.checkBackwardData(dx, dy, w);
        convolution.backwardData(segment(dx, "conv2dBackwardData dx"), segment(dy, "conv2dBackwardData dy"),
                segment(w, "conv2dBackwardData w"), Convolution.Geometry.of(dx.shape(), w.shape(), spec));
    }

    @Override public void conv2dBackwardFilter(Tensor dw, Tensor dy, Tensor x, ConvSpec spec) {
        spec.checkBackwardFilter(dw, dy, x);
        convolution.backwardFilter(segment(dw, "conv2dBackwardFilter dw"), segment(dy, "conv2dBackwardFilter dy"),
                segment(x, "conv2dBackwardFilter x"), Convolution.Geometry.of(x.shape(), dw.shape(), spec));
    }

    @Override public void biasBackward(Tensor db, Tensor dy) {
        BiasShape d = BiasShape.check(db, dy);
        int n = d.n(), k = d.channels();
        long inner = d.inner();
        MemorySegment dbs = segment(db, "biasBackward db"), dys = segment(dy, "biasBackward dy");
        pool.forEach(k, (worker, channel) -> {
            double sum = 0;
            for (int image = 0; image < n; image++) sum += Loops.sum(dys, ((long) image * k + channel) * inner, inner);
            Loops.set(dbs, channel, (float) (Loops.get(dbs, channel) + sum));
        });
    }

    // ---- fully connected ---------------------------------------------------------------------

    // The weight (out x in) is the only large operand of the linear ops. Forward and backward-data compute the
    // transposed product (weight as A, read in place; the small batch operand packed as B) into a row-major
    // scratch, then transpose that once into the output: storing the transposed result tile by tile, or
    // packing the weight as B, would each cost a pass over memory per call.

    @Override public void linearForward(Tensor y, Tensor x, Tensor w, Tensor bias) {
        LinearShape d = LinearShape.check("linearForward", y, x, w, bias);
        int n = d.n(), in = d.in(), out = d.out();
        if (n <= DOT_BATCH) {
            MemorySegment ys = segment(y, "linearForward y"), xs = segment(x, "linearForward x"), ws = segment(w, "linearForward w"),
                    bs = bias == null ? null : segment(bias, "linearForward bias");
            // frozen weights: the same bits with the zero inputs' weights skipped, where that pays (ZeroSkippingLinear.forward)
            boolean skipped = ws.isReadOnly() && zeroSkipping.forward(ys, xs, ws, bs, n, in, out);
            if (!skipped) dotForward(ys, xs, ws, bs, n, in, out);
            return;
        }
        MemorySegment transposed = scratch[0].get(Scratch.Role.ACCUMULATOR, (long) out * n);
        // y^T (out x N) = w (out x in) * x^T
        gemm.multiply(pool, 0, out, n, in, Matrix.rowMajor(segment(w, "linearForward w"), 0, in),
                Matrix.rowMajor(segment(x, "linearForward x"), 0, in).transposed(), Matrix.rowMajor(transposed, 0, n), false);
        transposeInto(segment(y, "linearForward y"), transposed, n, out, bias == null ? null : segment(bias, "linearForward bias"));
    }

    @Override public void linearBackwardData(Tensor dx, Tensor dy, Tensor w) {
        LinearShape d = LinearShape.check("linearBackwardData", dy, dx, w, null);
        int n = d.n(), in = d.in(), out = d.out();
        MemorySegment dxs = segment(dx, "linearBackwardData dx"), dys = segment(dy, "linearBackwardData dy"), ws = segment(w, "linearBackwardData w");
        if ((long) n * 8 >= out) {
            // A large batch: dx = dy w directly, packing w as B costs less than transposing the result.
            gemm.multiply(pool, 0, n, in, out, Matrix.rowMajor(dys, 0, out), Matrix.rowMajor(ws, 0, in), Matrix.rowMajor(dxs, 0, in), false);
            return;
        }
        MemorySegment transposed = scratch[0].get(Scratch.Role.ACCUMULATOR, (long) in * n);
        // dx^T (in x N) = w^T (in x out) * dy^T
        gemm.multiply(pool, 0, in, n, out, Matrix.rowMajor(ws, 0, in).transposed(), Matrix.rowMajor(dys, 0, out).transposed(),
                Matrix.rowMajor(transposed, 0, n), false);
        transposeInto(dxs, transposed, n, in, null);
    }

    /**
     * y[i][o] = w[o] . x[i] + bias[o] as dot products, for batches of at most DOT_BATCH: GEMM would fill its
     * NR-column tiles with one to a few images, while here each weight row streams from memory once (the
     * layer is bound by reading the weights) and is dotted with every image while it is in cache.
     */
    private void dotForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment bias, int n, int in, int out) {
        // tasks of whole blocks of rows, the last one taking the rest, so that every task's blocks run side by side
        int rows = Loops.DOT_ROWS, tasks = Math.max(1, out / rows);
        pool.forEach(tasks, (worker, t) -> {
            int first = t * rows, count = t == tasks - 1 ? out - first : rows;
            MemorySegment sums = scratch[worker].get(Scratch.Role.TILE, Loops.DOT_SCRATCH_FLOATS);
            for (int i = 0; i < n; i++) {
                long to = (long) i * out + first;
                Loops.rowDots(y, to, w, (long) first * in, in, count, x, (long) i * in, in, sums);
                if (bias != null) Loops.add(y, to, bias, first, count);
            }
        });
    }

    /** dst (rows x columns) = src^T, src being (columns x rows) row-major; then each row += bias when given. */
    private void transposeInto(MemorySegment dst, MemorySegment src, int rows, int columns, MemorySegment bias) {
        pool.forEach(rows, (worker, row) -> {
            long to = (long) row * columns;
            for (int j = 0; j < columns; j++) Loops.set(dst, to + j, Loops.get(src, (long) j * rows + row));
            if (bias != null) Loops.add(dst, to, bias, 0, columns);
        });
    }

    @Override public void linearBackwardWeight(Tensor dw, Tensor dy, Tensor x) {
        LinearShape d = LinearShape.check("linearBackwardWeight", dy, x, dw, null);
        int n = d.n(), in = d.in(), out = d.out();
        gemm.multiply(pool, 0, out, in, n, Matrix.rowMajor(segment(dy, "linearBackwardWeight dy"), 0, out).transposed(),
                Matrix.rowMajor(segment(x, "linearBackwardWeight x"), 0, in), Matrix.rowMajor(segment(dw, "linearBackwardWeight dw"), 0, in), true);
    }

    // ---- pooling, normalization, activation --------------------------------------------------

    @Override public void maxPoolForward(Tensor y, Tensor x, PoolSpec spec) {
        spec.checkForward(y, x);
        Shape xs = x.shape();
        int h = xs.dim(2), w = xs.dim(3), p = y.shape().dim(2), q = y.shape().dim(3);
        MemorySegment ys = segment(y, "maxPoolForward y"), xseg = segment(x, "maxPoolForward x");
        pool.forEach(xs.dim(0) * xs.dim(1), (worker, plane) -> Pooling.maxForwardPlane(ys, (long) plane * p * q, xseg,
                (long) plane * h * w, h, w, p, q, spec, planes[worker]));
    }

    @Override public void maxPoolBackward(Tensor dx, Tensor dy, Tensor y, Tensor x, PoolSpec spec) {
        spec.checkBackward(dx, dy, y, x);
        Shape xs = x.shape();
        int h = xs.dim(2), w = xs.dim(3), p = y.shape().dim(2), q = y.shape().dim(3);
        MemorySegment dxs = segment(dx, "maxPoolBackward dx"), dys = segment(dy, "maxPoolBackward dy"),
                ys = segment(y, "maxPoolBackward y"), xseg = segment(x, "maxPoolBackward x");
        pool.forEach(xs.dim(0) * xs.dim(1), (worker, plane) -> {
            Pooling.maxBackwardPlane(dxs, (long) plane * h * w, dys, ys, (long) plane * p * q, xseg, h, w, p, q, spec, planes[worker]);
        });
    }

    @Override public void adaptiveAvgPoolForward(Tensor y, Tensor x) {
        AdaptivePoolShape d = AdaptivePoolShape.check("adaptiveAvgPoolForward y", y, "adaptiveAvgPoolForward x", x);
        int h = d.h(), w = d.w(), p = d.p(), q = d.q();
        MemorySegment ys = segment(y, "adaptiveAvgPoolForward y"), xs = segment(x, "adaptiveAvgPoolForward x");
        pool.forEach(d.planes(),
                (worker, plane) -> Pooling.averageForwardPlane(ys, (long) plane * p * q, xs, (long) plane * h * w, h, w, p, q));
    }

    @Override public void adaptiveAvgPoolBackward(Tensor dx, Tensor dy) {
        AdaptivePoolShape d = AdaptivePoolShape.check("adaptiveAvgPoolBackward dy", dy, "adaptiveAvgPoolBackward dx", dx);
        int h = d.h(), w = d.w(), p = d.p(), q = d.q();
        MemorySegment dxs = segment(dx, "adaptiveAvgPoolBackward dx"), dys = segment(dy, "adaptiveAvgPoolBackward dy");
        pool.forEach(d.planes(),
                (worker, plane) -> Pooling.averageBackwardPlane(dxs, (long) plane * h * w, dys, (long) plane * p * q, h, w, p, q));
    }

    @Override public void lrnForward(Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        LrnSpec.checkForward(y, scale, x);
        int channels = x.shape().dim(1);
        long hw = (long) x.shape().dim(2) * x.shape().dim(3);
        MemorySegment ys = segment(y, "lrnForward y"), ss = segment(scale, "lrnForward scale"), xs = segment(x, "lrnForward x");
        pool.forEach(x.shape().dim(0) * channels, (worker, plane) ->
                Lrn.forwardPlane(ys, ss, xs, (long) (plane / channels) * channels * hw, plane % channels, channels, hw, spec));
    }

    @Override public void lrnBackward(Tensor dx, Tensor dy, Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        LrnSpec.checkBackward(dx, dy, y, scale, x);
        int channels = x.shape().dim(1);
        long hw = (long) x.shape().dim(2) * x.shape().dim(3), image = channels * hw;
        MemorySegment dxs = segment(dx, "lrnBackward dx"), dys = segment(dy, "lrnBackward dy"), ys = segment(y, "lrnBackward y"),
                ss = segment(scale, "lrnBackward scale"), xs = segment(x, "lrnBackward x");
        pool.forEach(x.shape().dim(0), (worker, n) -> {
            MemorySegment t = scratch[worker].get(Scratch.Role.PLANE, image);
            long off = n * image;
            Lrn.ratio(t, dys, ys, ss, off, image);
            for (int c = 0; c < channels; c++) Lrn.backwardPlane(dxs, dys, ss, xs, t, off, c, channels, hw, spec);
        });
    }

    @Override public void reluForward(Tensor y, Tensor x) {
        Elementwise.checkRelu(y, x);
        MemorySegment ys = segment(y, "reluForward y"), xs = segment(x, "reluForward x");
        chunks(x.size(), (off, len) -> Loops.relu(ys, off, xs, off, len));
    }

    @Override public void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        Elementwise.checkReluBackward(dx, dy, y);
        MemorySegment dxs = segment(dx, "reluBackward dx"), dys = segment(dy, "reluBackward dy"), ys = segment(y, "reluBackward y");
        chunks(y.size(), (off, len) -> Loops.reluBackward(dxs, dys, ys, off, len));
    }

    @Override public void dropoutForward(Tensor y, Tensor mask, Tensor x, float p, long seed) {
        Elementwise.checkDropout(y, mask, x, p);
        float kept = 1f / (1f - p);
        MemorySegment ys = segment(y, "dropoutForward y"), ms = segment(mask, "dropoutForward mask"), xs = segment(x, "dropoutForward x");
        chunks(x.size(), (off, len) -> {
            for (long i = off; i < off + len; i++) Loops.set(ms, i, CounterRng.uniform(seed, i) < p ? 0f : kept);
            Loops.multiply(ys, off, xs, off, ms, off, len);
        });
    }

    @Override public void dropoutBackward(Tensor dx, Tensor dy, Tensor mask) {
        Elementwise.checkDropoutBackward(dx, dy, mask);
        MemorySegment dxs = segment(dx, "dropoutBackward dx"), dys = segment(dy, "dropoutBackward dy"), ms = segment(mask, "dropoutBackward mask");
        chunks(dy.size(), (off, len) -> Loops.multiply(dxs, off, dys, off, ms, off, len));
    }

    @Override public void batchNormForwardTraining(Tensor y, Tensor savedMean, Tensor savedInvStd, Tensor runningMean, Tensor runningVar,
                                                   Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec) {
        BatchNormSpec.checkTraining(y, savedMean, savedInvStd, runningMean, runningVar, x, gamma, beta);
        int n = x.shape().dim(0), channels = x.shape().dim(1);
        long hw = (long) x.shape().dim(2) * x.shape().dim(3);
        String op = "batchNormForwardTraining ";
        MemorySegment ys = segment(y, op + "y"), sm = segment(savedMean, op + "savedMean"), si = segment(savedInvStd, op + "savedInvStd"),
                rm = segment(runningMean, op + "runningMean"), rv = segment(runningVar, op + "runningVar"), xs = segment(x, op + "x"),
                gs = segment(gamma, op + "gamma"), bs = segment(beta, op + "beta");
        pool.forEach(channels, (worker, c) -> BatchNorm.forwardTraining(ys, sm, si, rm, rv, xs, gs, bs, spec, c, n, channels, hw));
    }

    @Override public void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                                    BatchNormSpec spec) {
        BatchNormSpec.checkInference(y, x, gamma, beta, runningMean, runningVar);
        int n = x.shape().dim(0), channels = x.shape().dim(1);
        long hw = (long) x.shape().dim(2) * x.shape().dim(3);
        String op = "batchNormForwardInference ";
        MemorySegment ys = segment(y, op + "y"), xs = segment(x, op + "x"), gs = segment(gamma, op + "gamma"), bs = segment(beta, op + "beta"),
                rm = segment(runningMean, op + "runningMean"), rv = segment(runningVar, op + "runningVar");
        pool.forEach(channels, (worker, c) -> BatchNorm.forwardInference(ys, xs, gs, bs, rm, rv, spec, c, n, channels, hw));
    }

    @Override public void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dy, Tensor x, Tensor gamma,
                                            Tensor savedMean, Tensor savedInvStd, BatchNormSpec spec) {
        BatchNormSpec.checkBackward(dx, dgamma, dbeta, dy, x, gamma, savedMean, savedInvStd);
        int n = x.shape().dim(0), channels = x.shape().dim(1);
        long hw = (long) x.shape().dim(2) * x.shape().dim(3);
        String op = "batchNormBackward ";
        MemorySegment dxs = segment(dx, op + "dx"), dg = segment(dgamma, op + "dgamma"), db = segment(dbeta, op + "dbeta"),
                dys = segment(dy, op + "dy"), xs = segment(x, op + "x"), gs = segment(gamma, op + "gamma"),
                sm = segment(savedMean, op + "savedMean"), si = segment(savedInvStd, op + "savedInvStd");
        pool.forEach(channels, (worker, c) -> BatchNorm.backward(dxs, dg, db, dys, xs, gs, sm, si, c, n, channels, hw));
    }

    // ---- loss and update ---------------------------------------------------------------------

    @Override public void softmaxForward(Tensor probs, Tensor logits) {
        SoftmaxShape d = SoftmaxShape.checkForward(probs, logits);
        softmaxRows(segment(probs, "softmaxForward probs"), segment(logits, "softmaxForward logits"), d.rows(), d.classes(), null);
    }

    /**
     * probs = softmax of each row, the row maximum subtracted first so exp never overflows, each exponential computed
     * once (a row is copied to the heap). With labels, returns the summed cross-entropy log(sum) - (logit[label] - max)
     * over the rows, else 0.
     */
    private static double softmaxRows(MemorySegment probs, MemorySegment logits, int rows, int classes, int[] labels) {
        float[] row = new float[classes];
        double[] exps = new double[classes];
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            long off = (long) r * classes * Float.BYTES;
            MemorySegment.copy(logits, HostStorage.FLOAT, off, row, 0, classes);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) max = Math.max(max, row[j]);
            double sum = 0;
            for (int j = 0; j < classes; j++) sum += exps[j] = Math.exp(row[j] - max);
            if (labels != null) loss += Math.log(sum) - (row[labels[r]] - max);
            for (int j = 0; j < classes; j++) row[j] = (float) (exps[j] / sum);
            MemorySegment.copy(row, 0, probs, HostStorage.FLOAT, off, classes);
        }
        return loss;
    }

    @Override public float softmaxCrossEntropyForward(Tensor probs, Tensor logits, int[] labels) {
        SoftmaxShape d = SoftmaxShape.checkCrossEntropyForward(probs, logits, labels);
        MemorySegment ps = segment(probs, "softmaxCrossEntropyForward probs"), ls = segment(logits, "softmaxCrossEntropyForward logits");
        return (float) (softmaxRows(ps, ls, d.rows(), d.classes(), labels) / d.rows());
    }

    @Override public void softmaxCrossEntropyBackward(Tensor dlogits, Tensor probs, int[] labels) {
        SoftmaxShape d = SoftmaxShape.checkCrossEntropyBackward(dlogits, probs, labels);
        int rows = d.rows(), classes = d.classes();
        MemorySegment ds = segment(dlogits, "softmaxCrossEntropyBackward dlogits"), ps = segment(probs, "softmaxCrossEntropyBackward probs");
        float inverseRows = 1f / rows;
        for (int r = 0; r < rows; r++) {
            long off = (long) r * classes;
            for (int j = 0; j < classes; j++) Loops.set(ds, off + j, (Loops.get(ps, off + j) - (j == labels[r] ? 1f : 0f)) * inverseRows);
        }
    }

    @Override public void sgdUpdate(Tensor weights, Tensor velocity, Tensor grads, SgdSpec spec) {
        SgdSpec.check(weights, velocity, grads);
        MemorySegment ws = segment(weights, "sgdUpdate weights"), vs = segment(velocity, "sgdUpdate velocity"), gs = segment(grads, "sgdUpdate grads");
        float lr = spec.learningRate(), decayRate = spec.weightDecay() * lr;
        chunks(weights.size(), (off, len) -> Loops.sgd(ws, vs, gs, off, len, spec.momentum(), decayRate, lr));
    }

    @Override public void close() {
        pool.close();
        convolution.close();
        zeroSkipping.close();
        for (Scratch s : scratch) s.close();
    }
}
