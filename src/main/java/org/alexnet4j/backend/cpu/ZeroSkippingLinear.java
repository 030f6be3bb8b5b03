package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.alexnet4j.backend.MemoryLimitException;

/**
 * The FC forward of a few images on frozen weights, skipping the inputs that are zero. A small batch's FC layer is
 * bound by reading its weights; after a ReLU many of its inputs are zero (a third of fc6's and half of fc7's and
 * fc8's in AlexNet at He initialisation, bench/RESULTS.md), and each zero input's weights are a column of the
 * (out x in) weight matrix, spread over every row. So the weights are transposed once (input-major,
 * kept in the {@link FilterCache} while the frozen weights live), a zero input's weights become one contiguous row,
 * and that row is not read.
 *
 * <p>The sums are bit for bit those of {@link Loops#rowDots} on the weights as they are, so freezing does not change
 * a layer's output. rowDots sums input k into lane k mod LANES, each lane an FMA chain in input order, then adds the
 * lanes in order to zero, then adds the inputs past the last whole vector in order, unfused. Here each lane's class of
 * inputs is summed for all the outputs at once, as FMA chains in input order from zero, and the classes are added in
 * order to zero, then the rest of the inputs. A skipped term is a finite weight times a zero, which changes a chain at
 * most in the sign of a zero sum, which the addition of the lanes to +0 erases; an input whose weights hold a
 * non-finite value is never skipped (inf x 0 is NaN, as rowDots has it).
 */
final class ZeroSkippingLinear implements AutoCloseable {
    /** Weight rows summed side by side: streams in flight per thread (bench/RESULTS.md). */
    static final int ROWS = 8;
    /** Inputs per task of the transposition. */
    private static final int BLOCK = 64;

    /** What a transposed weight set in the cache is. */
    private record Transposed(int out, int in) {}

    private final WorkerPool pool;
    private final Scratch[] scratch;
    private final FilterCache transposed = new FilterCache();
    /** The inputs read in this call, lane class by class, each class padded to ROWS with the zero row. */
    private int[] rows = new int[0];
    /** The images' inputs at {@link #rows}, image by image. */
    private float[] coefficients = new float[0];

    ZeroSkippingLinear(WorkerPool pool, Scratch[] scratch) {
        this.pool = pool;
        this.scratch = scratch;
    }

    /** Whether this path computes rowDots' sums for a layer of {@code out} outputs (a vector path, whole blocks of rows). */
    static boolean applies(int out) { return CpuConfig.VECTOR && out >= Loops.DOT_ROWS; }

    /** Floats between transposed rows: the outputs, padded to whole vectors with zero weights. */
    private static long stride(int out) { return (out + VectorLoops.LANES - 1) / VectorLoops.LANES * VectorLoops.LANES; }

    /**
     * The cached form of w (out x in): in + 1 rows of {@link #stride} floats, row k holding input k's weights and
     * row in zeros, then one flag per input, 1 where its weights hold a non-finite value.
     */
    private MemorySegment prepare(MemorySegment w, int out, int in) {
        long stride = stride(out), flags = (in + 1) * stride;
        return transposed.get(new Transposed(out, in), w, flags + in, into -> {
            into.fill((byte) 0);
            // BLOCK x BLOCK tiles through heap arrays (bulk copies in and out), a row of tiles per task
            int blocks = (in + BLOCK - 1) / BLOCK;
            pool.forEach(blocks, (worker, block) -> {
                int k0 = block * BLOCK, inputs = Math.min(BLOCK, in - k0);
                float[] tile = new float[BLOCK * BLOCK], turned = new float[BLOCK * BLOCK];
                boolean[] finite = new boolean[inputs];
                Arrays.fill(finite, true);
                for (int o0 = 0; o0 < out; o0 += BLOCK) {
                    int outputs = Math.min(BLOCK, out - o0);
                    for (int o = 0; o < outputs; o++) MemorySegment.copy(w, Loops.FLOAT, ((long) (o0 + o) * in + k0) * 4, tile, o * BLOCK, inputs);
                    for (int k = 0; k < inputs; k++) {
                        for (int o = 0; o < outputs; o++) {
                            float v = tile[o * BLOCK + k];
                            turned[k * BLOCK + o] = v;
                            finite[k] &= Float.isFinite(v);
                        }
                    }
                    for (int k = 0; k < inputs; k++) MemorySegment.copy(turned, k * BLOCK, into, Loops.FLOAT, ((k0 + k) * stride + o0) * 4, outputs);
                }
                for (int k = 0; k < inputs; k++) if (!finite[k]) Loops.set(into, flags + k0 + k, 1f);
            });
        });
    }

    /**
     * y[i] = w x[i] + bias for the n images, w (out x in) frozen; see the class comment. Returns false, having
     * computed nothing, when the transposed weights do not fit in the memory available now: they only save time, and
     * the caller then reads the weights as they are.
     */
    boolean forward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment bias, int n, int in, int out) {
        MemorySegment t;
        try {
            t = prepare(w, out, in);
        } catch (MemoryLimitException e) {
            return false;
        }
        long stride = stride(out), flags = (in + 1) * stride;
        int lanes = VectorLoops.LANES, whole = (int) VectorLoops.bound(in);
        int[] ends = listInputs(t, flags, x, n, in, whole);
        int classes = ends[lanes - 1], listed = ends[lanes]; // rows of the lane classes; all rows
        // tasks of whole vectors of outputs, one per worker
        int vectors = (int) (stride / lanes), per = (vectors + pool.size() - 1) / pool.size(), tasks = (vectors + per - 1) / per;
        pool.forEach(tasks, (worker, task) -> {
            int first = task * per * lanes, cols = Math.min(per * lanes, (int) stride - first), real = Math.min(cols, out - first);
            MemorySegment sums = scratch[worker].get(Scratch.Role.TILE, 2L * n * cols); // per image: its sums, then a lane class's
            for (int i = 0; i < n; i++) Loops.fill(sums, (long) i * cols, cols, 0f);
            int from = 0;
            for (int lane = 0; lane < lanes; lane++) {
                for (int i = 0; i < n; i++) Loops.fill(sums, (long) (n + i) * cols, cols, 0f);
                for (int g = from; g < ends[lane]; g += ROWS) {
                    for (int i = 0; i < n; i++) {
                        VectorLoops.columnSums(sums, (long) (n + i) * cols, t, first, stride, cols, rows, g, coefficients, i * listed);
                    }
                }
                for (int i = 0; i < n; i++) Loops.add(sums, (long) i * cols, sums, (long) (n + i) * cols, cols);
                from = ends[lane];
            }
            for (int i = 0; i < n; i++) {
                long to = (long) i * out + first;
                for (int c = 0; c < real; c++) {
                    float total = Loops.get(sums, (long) i * cols + c);
                    for (int r = classes; r < listed; r++) total += Loops.get(t, rows[r] * stride + first + c) * coefficients[i * listed + r];
                    Loops.set(y, to + c, total);
                }
                if (bias != null) Loops.add(y, to, bias, first, real);
            }
        });
        return true;
    }

    /**
     * Fills {@link #rows} and {@link #coefficients}: the inputs below {@code whole} that some image has non-zero, or
     * whose weights are not all finite, lane class by class in input order, each class padded to a multiple of ROWS
     * with the zero row (coefficient 0); then those past {@code whole}. Returns each class's end in rows, then the
     * end of all.
     */
    private int[] listInputs(MemorySegment t, long flags, MemorySegment x, int n, int in, int whole) {
        int lanes = VectorLoops.LANES;
        int capacity = in + lanes * ROWS;
        if (rows.length < capacity) rows = new int[capacity];
        int[] ends = new int[lanes + 1];
        int m = 0;
        for (int lane = 0; lane < lanes; lane++) {
            for (int k = lane; k < whole; k += lanes) if (read(t, flags, x, n, in, k)) rows[m++] = k;
            while (m % ROWS != 0) rows[m++] = in;
            ends[lane] = m;
        }
        for (int k = whole; k < in; k++) if (read(t, flags, x, n, in, k)) rows[m++] = k;
        ends[lanes] = m;
        if (coefficients.length < n * m) coefficients = new float[n * m];
        Arrays.fill(coefficients, 0, n * m, 0f);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < m; r++) if (rows[r] < in) coefficients[i * m + r] = Loops.get(x, (long) i * in + rows[r]);
        }
        return ends;
    }

    /** Whether input k's weights must be read: an image has it non-zero, or the weights are not all finite. */
    private static boolean read(MemorySegment t, long flags, MemorySegment x, int n, int in, int k) {
        if (Loops.get(t, flags + k) != 0f) return true;
        for (int i = 0; i < n; i++) if (Loops.get(x, (long) i * in + k) != 0f) return true;
        return false;
    }

    @Override public void close() { transposed.close(); }
}
