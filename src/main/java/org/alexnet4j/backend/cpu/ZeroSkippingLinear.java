package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.alexnet4j.backend.MemoryLimitException;

/**
 * The FC forward of a few images on frozen weights, skipping the inputs that are zero. A small batch's FC layer is
 * bound by reading its weights; after a ReLU many of its inputs are zero (a third of fc6's and half of fc7's and
 * fc8's in AlexNet at He initialisation, bench/RESULTS.md), and each zero input's weights are a column of the
 * (out x in) weight matrix, spread over every row. So the weights are transposed once (input-major, kept in the
 * {@link FilterCache} while the frozen weights live): each input's weights become one contiguous row, and the rows of
 * the inputs that are zero in every image are not read. The rows lie lane class by class (below), a class per task,
 * so that each task streams through one region of memory in order. Where few inputs are zero the weights are read
 * as they are ({@link #SKIPPED}).
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
    /**
     * The transposed rows are read only where at least 1/SKIPPED of the inputs are zero in every image: with none
     * skipped they took 2-8% longer than rowDots' rows (bench/RESULTS.md), and the two give the same bits.
     */
    static final int SKIPPED = 8;
    /** Inputs per task of the transposition. */
    private static final int BLOCK = 64;

    /** What a transposed weight set in the cache is. */
    private record Transposed(int out, int in) {}

    private final WorkerPool pool;
    /** The calling thread's buffers (the class sums). */
    private final Scratch scratch;
    private final FilterCache transposed = new FilterCache();
    /** The inputs read in this call, lane class by class, each class padded to ROWS with the zero row. */
    private int[] rows = new int[0];
    /** The images' inputs at {@link #rows}, image by image. */
    private float[] coefficients = new float[0];

    ZeroSkippingLinear(WorkerPool pool, Scratch scratch) {
        this.pool = pool;
        this.scratch = scratch;
    }

    /**
     * The fewest outputs of a layer on this path: transposed rows of at least 8 KB. With fewer the rows stream too
     * slowly to gain: fc8's 1000 outputs with half the inputs zero took 0.91-1.02 of rowDots' time, 2048 outputs 0.77,
     * 4096 0.56-0.62 (bench/RESULTS.md).
     */
    static final int MIN_OUTPUTS = 2048;

    /** Whether this path runs for a layer of {@code out} outputs: a vector path (rowDots' then sums in lanes too) with rows long enough. */
    static boolean applies(int out) { return CpuConfig.VECTOR && out >= MIN_OUTPUTS; }

    /** Floats between transposed rows: the outputs, padded to whole vectors with zero weights. */
    private static long stride(int out) { return (out + VectorLoops.LANES - 1) / VectorLoops.LANES * VectorLoops.LANES; }

    /**
     * The cached form of w (out x in): in + 1 rows of {@link #stride} floats, row k holding input k's weights and
     * row in zeros, then one flag per input, 1 where its weights hold a non-finite value.
     */
    private MemorySegment prepare(MemorySegment w, int out, int in) {
        long stride = stride(out), flags = (in + 1) * stride;
        return transposed.get(new Transposed(out, in), w, flags + in, into -> {
            into.asSlice(in * stride * 4).fill((byte) 0); // the zero row and the flags (a row's padding columns sum into no output)
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
                    for (int k = 0; k < inputs; k++) MemorySegment.copy(turned, k * BLOCK, into, Loops.FLOAT, (row(k0 + k, in) * stride + o0) * 4, outputs);
                }
                for (int k = 0; k < inputs; k++) if (!finite[k]) Loops.set(into, flags + k0 + k, 1f);
            });
        });
    }

    /**
     * y[i] = w x[i] + bias for the n images, w (out x in) frozen; see the class comment. Returns false, having
     * computed nothing, where the transposed weights would not save time: the layer is not one this path {@link
     * #applies} to, fewer than 1/SKIPPED of the inputs are zero in every image, or the transposed weights do not fit in
     * the memory available now. The caller then reads the weights as they are, with the same bits.
     */
    boolean forward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment bias, int n, int in, int out) {
        if (!applies(out) || zerosInEveryImage(x, n, in) < in / SKIPPED) return false;
        MemorySegment t;
        try {
            t = prepare(w, out, in);
        } catch (MemoryLimitException e) {
            return false;
        }
        long stride = stride(out), flags = (in + 1) * stride;
        int lanes = VectorLoops.LANES, capacity = capacity(in);
        int[] ends = listInputs(t, flags, x, n, in);
        // a task per lane class: its rows (side by side in t) summed over whole rows, for every image
        MemorySegment classSums = scratch.get(Scratch.Role.ACCUMULATOR, (long) n * lanes * stride);
        pool.forEach(lanes, (worker, lane) -> {
            for (int i = 0; i < n; i++) Loops.fill(classSums, (long) (i * lanes + lane) * stride, stride, 0f);
            for (int g = lane == 0 ? 0 : ends[lane - 1]; g < ends[lane]; g += ROWS) {
                for (int i = 0; i < n; i++) {
                    VectorLoops.columnSums(classSums, (long) (i * lanes + lane) * stride, t, stride, (int) stride, rows, g, coefficients, i * capacity);
                }
            }
        });
        // the classes added in order to zero, then the inputs past the last whole vector, then the bias
        for (int i = 0; i < n; i++) {
            long to = (long) i * out;
            Loops.fill(y, to, out, 0f);
            for (int lane = 0; lane < lanes; lane++) Loops.add(y, to, classSums, (long) (i * lanes + lane) * stride, out);
            for (int r = ends[lanes - 1]; r < ends[lanes]; r++) {
                for (int c = 0; c < out; c++) Loops.set(y, to + c, Loops.get(y, to + c) + Loops.get(t, rows[r] * stride + c) * coefficients[i * capacity + r]);
            }
            if (bias != null) Loops.add(y, to, bias, 0, out);
        }
        return true;
    }

    /**
     * Fills {@link #rows} and {@link #coefficients} (image i's from i * {@link #capacity}): the inputs below the last
     * whole vector that some image has non-zero, or whose weights are not all finite, lane class by class in input
     * order, each class padded to a multiple of ROWS with the zero row (coefficient 0); then those past it. Returns
     * each class's end in rows, then the end of all.
     */
    private int[] listInputs(MemorySegment t, long flags, MemorySegment x, int n, int in) {
        int lanes = VectorLoops.LANES, whole = (int) VectorLoops.bound(in), capacity = capacity(in);
        if (rows.length < capacity) rows = new int[capacity];
        if (coefficients.length < n * capacity) coefficients = new float[n * capacity];
        int[] ends = new int[lanes + 1];
        int m = 0;
        for (int lane = 0; lane < lanes; lane++) {
            for (int k = lane; k < whole; k += lanes) if (read(t, flags, x, n, in, k)) list(m++, k, x, n, in, capacity);
            for (; m % ROWS != 0; m++) {
                rows[m] = in;
                for (int i = 0; i < n; i++) coefficients[i * capacity + m] = 0f;
            }
            ends[lane] = m;
        }
        for (int k = whole; k < in; k++) if (read(t, flags, x, n, in, k)) list(m++, k, x, n, in, capacity);
        ends[lanes] = m;
        return ends;
    }

    /** Entry r of the list: input k's row and the images' values of it. */
    private void list(int r, int k, MemorySegment x, int n, int in, int capacity) {
        rows[r] = row(k, in);
        for (int i = 0; i < n; i++) coefficients[i * capacity + r] = Loops.get(x, (long) i * in + k);
    }

    /** Entries of the list at most: every input, and each lane class padded. */
    private static int capacity(int in) { return in + VectorLoops.LANES * ROWS; }

    /**
     * Input k's row in the transposed weights: below the last whole vector, lane class by class (input k in class
     * k mod LANES), so that a class's rows lie side by side and its streams run through memory in order; then the rest.
     */
    private static int row(int k, int in) {
        int lanes = VectorLoops.LANES, whole = (int) VectorLoops.bound(in);
        return k < whole ? k % lanes * (whole / lanes) + k / lanes : k;
    }

    /** How many inputs are zero in all n images. */
    private static int zerosInEveryImage(MemorySegment x, int n, int in) {
        int zeros = 0;
        for (int k = 0; k < in; k++) if (zeroInEveryImage(x, n, in, k)) zeros++;
        return zeros;
    }

    private static boolean zeroInEveryImage(MemorySegment x, int n, int in, int k) {
        for (int i = 0; i < n; i++) if (Loops.get(x, (long) i * in + k) != 0f) return false;
        return true;
    }

    /** Whether input k's weights must be read: an image has it non-zero, or the weights are not all finite. */
    private static boolean read(MemorySegment t, long flags, MemorySegment x, int n, int in, int k) {
        return Loops.get(t, flags + k) != 0f || !zeroInEveryImage(x, n, in, k);
    }

    @Override public void close() { transposed.close(); }
}
