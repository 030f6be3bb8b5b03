package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Element-wise loops over off-heap floats (offsets and counts in floats): the vector body from
 * {@link VectorLoops} when {@link CpuConfig#VECTOR}, then this class's scalar loop for the tail, which is
 * also the whole loop on the scalar fallback path.
 */
final class Loops {
    private Loops() {}

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final boolean VECTOR = CpuConfig.VECTOR;

    static float get(MemorySegment s, long index) { return s.get(FLOAT, index * 4); }

    static void set(MemorySegment s, long index, float v) { s.set(FLOAT, index * 4, v); }

    static void relu(MemorySegment y, long yOff, MemorySegment x, long xOff, long n) {
        for (long i = VECTOR ? VectorLoops.relu(y, yOff, x, xOff, n) : 0; i < n; i++) set(y, yOff + i, Math.max(get(x, xOff + i), 0f));
    }

    static void reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long off, long n) {
        for (long i = VECTOR ? VectorLoops.reluBackward(dx, dy, y, off, n) : 0; i < n; i++) {
            set(dx, off + i, get(y, off + i) > 0f ? get(dy, off + i) : 0f);
        }
    }

    static void multiply(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        for (long i = VECTOR ? VectorLoops.multiply(out, outOff, a, aOff, b, bOff, n) : 0; i < n; i++) {
            set(out, outOff + i, get(a, aOff + i) * get(b, bOff + i));
        }
    }

    static void fill(MemorySegment s, long off, long n, float value) {
        if (value == 0f && Float.floatToRawIntBits(value) == 0) {
            s.asSlice(off * 4, n * 4).fill((byte) 0);
            return;
        }
        for (long i = VECTOR ? VectorLoops.fill(s, off, n, value) : 0; i < n; i++) set(s, off + i, value);
    }

    static void addScalar(MemorySegment s, long off, long n, float value) {
        for (long i = VECTOR ? VectorLoops.addScalar(s, off, n, value) : 0; i < n; i++) set(s, off + i, get(s, off + i) + value);
    }

    static void copy(MemorySegment dst, long dOff, MemorySegment src, long sOff, long n) {
        for (long i = VECTOR ? VectorLoops.copy(dst, dOff, src, sOff, n) : 0; i < n; i++) set(dst, dOff + i, get(src, sOff + i));
    }

    static void add(MemorySegment dst, long dOff, MemorySegment src, long sOff, long n) {
        for (long i = VECTOR ? VectorLoops.add(dst, dOff, src, sOff, n) : 0; i < n; i++) {
            set(dst, dOff + i, get(dst, dOff + i) + get(src, sOff + i));
        }
    }

    /**
     * Heap arrays, max-pool forward: dst[c] = max of src[row*w + c] over rows [top, bottom), for c < w. On the vector
     * path src holds a vector of slack after its last row and dst a whole number of vectors (the last one is stored whole).
     */
    static void rowsMax(float[] dst, float[] src, int w, int top, int bottom) {
        for (int c = VECTOR ? VectorLoops.rowsMax(dst, src, w, top, bottom) : 0; c < w; c++) {
            float best = src[top * w + c];
            for (int row = top + 1; row < bottom; row++) best = Math.max(best, src[row * w + c]);
            dst[c] = best;
        }
    }

    /**
     * Heap arrays, max-pool forward: dst[dOff + k] = max of src[first + k*stride .. + window) for k < count. On the
     * vector path src holds 2 vectors of slack past the last window's start and dst a vector of slack past its last cell.
     */
    static void stridedWindowMax(float[] dst, int dOff, float[] src, int first, int stride, int window, int count) {
        for (int k = VECTOR ? VectorLoops.stridedWindowMax(dst, dOff, src, first, stride, window, count) : 0; k < count; k++) {
            int start = first + k * stride;
            float best = src[start];
            for (int d = 1; d < window; d++) best = Math.max(best, src[start + d]);
            dst[dOff + k] = best;
        }
    }

    /**
     * Heap arrays, max-pool backward: winners[at + k] for k < count = {@link #firstMaximum} of window k of one
     * output row, window k spanning columns first + k*stride .. + window of x's rows [top, bottom) (all inside);
     * the vector search matches by equality only, so it leaves -1 where y is NaN (the caller asks firstMaximum).
     */
    static void firstMaxima(int[] winners, int at, float[] x, int w, int top, int bottom, int first, int stride, int window,
                            float[] y, int yOff, int count, int[] spacing) {
        if (VECTOR) {
            VectorLoops.firstMaxima(winners, at, x, w, top, bottom, first, stride, window, y, yOff + at, count, spacing);
            return;
        }
        for (int k = 0; k < count; k++) {
            int left = first + k * stride;
            winners[at + k] = firstMaximum(x, w, top, bottom, left, left + window, y[yOff + at + k]);
        }
    }

    /**
     * The index of the first cell (row-major) of x's window rows [top, bottom) x columns [left, right) equal to max,
     * or, where max is NaN (the window held one), the first NaN; -1 if there is none.
     */
    static int firstMaximum(float[] x, int w, int top, int bottom, int left, int right, float max) {
        boolean nan = Float.isNaN(max);
        for (int row = top; row < bottom; row++) {
            for (int at = row * w + left; at < row * w + right; at++) {
                if (x[at] == max || (nan && Float.isNaN(x[at]))) return at;
            }
        }
        return -1;
    }

    static float sum(MemorySegment s, long off, long n) {
        long i = VECTOR ? VectorLoops.bound(n) : 0;
        float total = VECTOR ? VectorLoops.sum(s, off, n) : 0f;
        for (; i < n; i++) total += get(s, off + i);
        return total;
    }

    static float sumSquaredDeviation(MemorySegment s, long off, long n, float mean) {
        long i = VECTOR ? VectorLoops.bound(n) : 0;
        float total = VECTOR ? VectorLoops.sumSquaredDeviation(s, off, n, mean) : 0f;
        for (; i < n; i++) {
            float d = get(s, off + i) - mean;
            total += d * d;
        }
        return total;
    }

    static float dotCentered(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, float mean) {
        long i = VECTOR ? VectorLoops.bound(n) : 0;
        float total = VECTOR ? VectorLoops.dotCentered(a, aOff, b, bOff, n, mean) : 0f;
        for (; i < n; i++) total += get(a, aOff + i) * (get(b, bOff + i) - mean);
        return total;
    }

    /**
     * Rows per block of {@link #rowDots}: weight streams in flight per thread. A batch-1 FC layer is bound by how
     * many memory reads are in flight: fc6's weights streamed at 21 GB/s one row at a time, 28-33 four rows at a
     * time, 34-36 with 8 and 41-46 with 16, but 18-19 with 24, more streams than the prefetchers follow
     * (bench/RESULTS.md).
     */
    static final int DOT_ROWS = 16;
    /** Floats of the scratch {@link #rowDots} takes: a block's sums as vectors. */
    static final int DOT_SCRATCH_FLOATS = VECTOR ? DOT_ROWS * VectorLoops.LANES : 1;

    /**
     * out[outOff + r] = row r of a (rows of n floats, `stride` apart from aOff) . b, for r < rows, in blocks of
     * DOT_ROWS side by side. A row's sum does not depend on the rows beside it, so a last block short of a whole one
     * overlaps the one before; fewer rows than a block are summed one by one. {@code sums} is scratch of
     * {@link #DOT_SCRATCH_FLOATS} floats.
     */
    static void rowDots(MemorySegment out, long outOff, MemorySegment a, long aOff, long stride, int rows, MemorySegment b, long bOff, long n,
                        MemorySegment sums) {
        boolean vector = VECTOR && rows >= DOT_ROWS;
        int block = vector ? DOT_ROWS : 1;
        for (int r = 0; r < rows; r += block) {
            int first = Math.min(r, rows - block);
            long start = 0;
            if (vector) {
                VectorLoops.rowDots(out, outOff + first, a, aOff + first * stride, stride, b, bOff, n, sums);
                start = VectorLoops.bound(n);
            }
            for (int k = first; k < first + block; k++) {
                float total = start == 0 ? 0f : get(out, outOff + k);
                for (long i = start; i < n; i++) total += get(a, aOff + k * stride + i) * get(b, bOff + i);
                set(out, outOff + k, total);
            }
        }
    }

    /** out = a*ca + b*cb + c0, b may be null (then out = a*ca + c0). */
    static void linear(MemorySegment out, MemorySegment a, MemorySegment b, long off, long n, float ca, float cb, float c0) {
        for (long i = VECTOR ? VectorLoops.linear(out, a, b, off, n, ca, cb, c0) : 0; i < n; i++) {
            float v = get(a, off + i) * ca + c0;
            if (b != null) v += get(b, off + i) * cb;
            set(out, off + i, v);
        }
    }

    static void sgd(MemorySegment w, MemorySegment v, MemorySegment g, long off, long n, float momentum, float decayRate, float lr) {
        for (long i = VECTOR ? VectorLoops.sgd(w, v, g, off, n, momentum, decayRate, lr) : 0; i < n; i++) {
            float wi = get(w, off + i);
            float vi = get(v, off + i) * momentum - wi * decayRate - get(g, off + i) * lr;
            set(v, off + i, vi);
            set(w, off + i, wi + vi);
        }
    }
}
