package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of the element-wise loops in {@link Loops}. Offsets and counts are in floats.
 * Each method processes a prefix [0, returned index) of its range; {@link Loops} finishes the rest with
 * scalar code. Loaded only when {@link CpuConfig#VECTOR} is true.
 */
final class VectorLoops {
    private VectorLoops() {}

    /** The species of every cpu kernel: the preferred one, or -Dalexnet4j.cpu.vectorBits=128/256/512. */
    static final VectorSpecies<Float> SPECIES = CpuConfig.REQUESTED_BITS < 0 ? FloatVector.SPECIES_PREFERRED
            : VectorSpecies.of(float.class, VectorShape.forBitSize(CpuConfig.REQUESTED_BITS));
    static final int LANES = SPECIES.length();
    private static final long VECTOR_BYTES = LANES * 4L;
    /** Integers with as many lanes as {@link #SPECIES} (cell indices beside float lanes). */
    private static final VectorSpecies<Integer> INTS = SPECIES.withLanes(int.class);
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    static String describe() { return SPECIES.vectorBitSize() + "-bit vectors (" + LANES + " floats)"; }

    static FloatVector load(MemorySegment s, long index) { return FloatVector.fromMemorySegment(SPECIES, s, index * 4, ORDER); }

    static FloatVector load(MemorySegment s, long index, VectorMask<Float> m) {
        return FloatVector.fromMemorySegment(SPECIES, s, index * 4, ORDER, m);
    }

    static void store(FloatVector v, MemorySegment s, long index) { v.intoMemorySegment(s, index * 4, ORDER); }

    static long bound(long n) { return n - n % LANES; }

    static long relu(MemorySegment y, long yOff, MemorySegment x, long xOff, long n) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) store(load(x, xOff + i).max(0f), y, yOff + i);
        return end;
    }

    static long reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long off, long n) {
        long end = bound(n);
        for (long i = off; i < off + end; i += LANES) {
            store(FloatVector.zero(SPECIES).blend(load(dy, i), load(y, i).compare(VectorOperators.GT, 0f)), dx, i);
        }
        return end;
    }

    /** out = a * b. */
    static long multiply(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) store(load(a, aOff + i).mul(load(b, bOff + i)), out, outOff + i);
        return end;
    }

    static long fill(MemorySegment s, long off, long n, float value) {
        long end = bound(n);
        FloatVector v = FloatVector.broadcast(SPECIES, value);
        for (long i = 0; i < end; i += LANES) store(v, s, off + i);
        return end;
    }

    /** s += value. */
    static long addScalar(MemorySegment s, long off, long n, float value) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) store(load(s, off + i).add(value), s, off + i);
        return end;
    }

    /** dst = src over the whole range (masked tail), for the short rows of im2col. */
    static long copy(MemorySegment dst, long dOff, MemorySegment src, long sOff, long n) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) store(load(src, sOff + i), dst, dOff + i);
        if (end < n) {
            VectorMask<Float> m = SPECIES.indexInRange(0, n - end);
            load(src, sOff + end, m).intoMemorySegment(dst, (dOff + end) * 4, ORDER, m);
        }
        return n;
    }

    /** dst += src over the whole range (masked tail), for col2im and gradient reductions. */
    static long add(MemorySegment dst, long dOff, MemorySegment src, long sOff, long n) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) store(load(dst, dOff + i).add(load(src, sOff + i)), dst, dOff + i);
        if (end < n) {
            VectorMask<Float> m = SPECIES.indexInRange(0, n - end);
            load(dst, dOff + end, m).add(load(src, sOff + end, m)).intoMemorySegment(dst, (dOff + end) * 4, ORDER, m);
        }
        return n;
    }

    /** {@link Loops#rowsMax} over all w columns: whole vectors, reading into src's slack and writing into dst's. */
    static int rowsMax(float[] dst, float[] src, int w, int top, int bottom) {
        for (int c = 0; c < w; c += LANES) {
            FloatVector best = FloatVector.fromArray(SPECIES, src, top * w + c);
            for (int row = top + 1; row < bottom; row++) best = best.max(FloatVector.fromArray(SPECIES, src, row * w + c));
            best.intoArray(dst, c);
        }
        return w;
    }

    /** Lane l holds 2l (EVEN) or 2l + 1 (ODD): {@code EVEN.selectFrom(a, b)} is the even lanes of a then b, end to end. */
    private static final FloatVector EVEN = FloatVector.fromArray(SPECIES, evenOdd(0), 0), ODD = FloatVector.fromArray(SPECIES, evenOdd(1), 0);

    private static float[] evenOdd(int parity) {
        float[] lanes = new float[LANES];
        for (int l = 0; l < LANES; l++) lanes[l] = 2 * l + parity;
        return lanes;
    }

    /**
     * {@link Loops#stridedWindowMax} for strides 1 and 2 (returns 0 for others): LANES windows at a time, the last
     * store masked. Stride 2 splits each pair of vectors loaded at an even window offset into its even and odd lanes,
     * the offsets d and d + 1 of LANES consecutive windows. Lanes past count read slack and are not stored.
     */
    static int stridedWindowMax(float[] dst, int dOff, float[] src, int first, int stride, int window, int count) {
        if (stride > 2) return 0;
        for (int k = 0; k < count; k += LANES) {
            int start = first + k * stride;
            FloatVector best;
            if (stride == 1) {
                best = FloatVector.fromArray(SPECIES, src, start);
                for (int d = 1; d < window; d++) best = best.max(FloatVector.fromArray(SPECIES, src, start + d));
            } else {
                best = EVEN.selectFrom(FloatVector.fromArray(SPECIES, src, start), FloatVector.fromArray(SPECIES, src, start + LANES));
                for (int d = 1; d < window; d++) {
                    int pair = start + (d & ~1);
                    FloatVector a = FloatVector.fromArray(SPECIES, src, pair), b = FloatVector.fromArray(SPECIES, src, pair + LANES);
                    best = best.max(((d & 1) == 0 ? EVEN : ODD).selectFrom(a, b));
                }
            }
            best.intoArray(dst, dOff + k, SPECIES.indexInRange(k, count));
        }
        return count;
    }

    /**
     * Max-pool backward's search over heap arrays for {@code count} windows of one output row, each wholly
     * inside x's rows [top, bottom) (w floats per row): window k starts at column first + k*stride and spans
     * {@code window} columns; index[indexOff + k] = the first cell in row-major order equal to y[yOff + k], or -1.
     * Vectors run over windows, gathering each window cell; {@code spacing} = {0, stride, 2*stride, ...}.
     */
    static void firstMaxima(int[] index, int indexOff, float[] x, int w, int top, int bottom, int first, int stride, int window,
                            float[] y, int yOff, int count, int[] spacing) {
        IntVector lanes = IntVector.fromArray(INTS, spacing, 0);
        for (int k = 0; k < count; k += LANES) {
            VectorMask<Float> active = SPECIES.indexInRange(k, count);
            FloatVector max = FloatVector.fromArray(SPECIES, y, yOff + k, active);
            VectorMask<Float> found = SPECIES.maskAll(false);
            IntVector cell = IntVector.broadcast(INTS, -1);
            for (int row = top; row < bottom; row++) {
                for (int d = 0; d < window; d++) {
                    int at = row * w + first + k * stride + d;
                    VectorMask<Float> hit = FloatVector.fromArray(SPECIES, x, at, spacing, 0, active).eq(max).and(active).andNot(found);
                    cell = cell.blend(lanes.add(at), hit.cast(INTS));
                    found = found.or(hit);
                }
            }
            cell.intoArray(index, indexOff + k, active.cast(INTS));
        }
    }

    /** The sum of the first bound(n) elements (the caller adds the tail). */
    static float sum(MemorySegment s, long off, long n) {
        long end = bound(n);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (long i = 0; i < end; i += LANES) acc = acc.add(load(s, off + i));
        return laneSum(acc);
    }

    /** sum of (s - mean)^2 over the first bound(n) elements. */
    static float sumSquaredDeviation(MemorySegment s, long off, long n, float mean) {
        long end = bound(n);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (long i = 0; i < end; i += LANES) {
            FloatVector d = load(s, off + i).sub(mean);
            acc = d.fma(d, acc);
        }
        return laneSum(acc);
    }

    /**
     * out[outOff + r] = row r of a (rows `stride` floats apart from aOff) . b over the first bound(n) elements, for
     * r < {@link Loops#DOT_ROWS} (the caller adds the tails): the rows stream side by side against one pass over b,
     * each sum in a register, then through {@code sums} (scratch of DOT_ROWS vectors) to be added up lane by lane.
     */
    static void rowDots(MemorySegment out, long outOff, MemorySegment a, long aOff, long stride, MemorySegment b, long bOff, long n, MemorySegment sums) {
        long end = bound(n);
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        FloatVector s8 = s0, s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
        for (long i = 0; i < end; i += LANES) {
            FloatVector bv = load(b, bOff + i);
            s0 = load(a, aOff + i).fma(bv, s0);
            s1 = load(a, aOff + stride + i).fma(bv, s1);
            s2 = load(a, aOff + 2 * stride + i).fma(bv, s2);
            s3 = load(a, aOff + 3 * stride + i).fma(bv, s3);
            s4 = load(a, aOff + 4 * stride + i).fma(bv, s4);
            s5 = load(a, aOff + 5 * stride + i).fma(bv, s5);
            s6 = load(a, aOff + 6 * stride + i).fma(bv, s6);
            s7 = load(a, aOff + 7 * stride + i).fma(bv, s7);
            s8 = load(a, aOff + 8 * stride + i).fma(bv, s8);
            s9 = load(a, aOff + 9 * stride + i).fma(bv, s9);
            s10 = load(a, aOff + 10 * stride + i).fma(bv, s10);
            s11 = load(a, aOff + 11 * stride + i).fma(bv, s11);
            s12 = load(a, aOff + 12 * stride + i).fma(bv, s12);
            s13 = load(a, aOff + 13 * stride + i).fma(bv, s13);
            s14 = load(a, aOff + 14 * stride + i).fma(bv, s14);
            s15 = load(a, aOff + 15 * stride + i).fma(bv, s15);
        }
        // The sums go to scratch right here: passed to laneSum, which the JIT does not inline into this large method,
        // every vector was boxed (with toArray's arrays, 1.5 MB of garbage per batch-1 forward).
        s0.intoMemorySegment(sums, 0, ORDER); s1.intoMemorySegment(sums, VECTOR_BYTES, ORDER);
        s2.intoMemorySegment(sums, 2 * VECTOR_BYTES, ORDER); s3.intoMemorySegment(sums, 3 * VECTOR_BYTES, ORDER);
        s4.intoMemorySegment(sums, 4 * VECTOR_BYTES, ORDER); s5.intoMemorySegment(sums, 5 * VECTOR_BYTES, ORDER);
        s6.intoMemorySegment(sums, 6 * VECTOR_BYTES, ORDER); s7.intoMemorySegment(sums, 7 * VECTOR_BYTES, ORDER);
        s8.intoMemorySegment(sums, 8 * VECTOR_BYTES, ORDER); s9.intoMemorySegment(sums, 9 * VECTOR_BYTES, ORDER);
        s10.intoMemorySegment(sums, 10 * VECTOR_BYTES, ORDER); s11.intoMemorySegment(sums, 11 * VECTOR_BYTES, ORDER);
        s12.intoMemorySegment(sums, 12 * VECTOR_BYTES, ORDER); s13.intoMemorySegment(sums, 13 * VECTOR_BYTES, ORDER);
        s14.intoMemorySegment(sums, 14 * VECTOR_BYTES, ORDER); s15.intoMemorySegment(sums, 15 * VECTOR_BYTES, ORDER);
        for (int r = 0; r < Loops.DOT_ROWS; r++) {
            float sum = 0f;
            for (int i = 0; i < LANES; i++) sum += Loops.get(sums, (long) r * LANES + i);
            Loops.set(out, outOff + r, sum);
        }
    }

    /**
     * acc[accOff + c] for c < cols (whole vectors): the rows rows[g..g+ROWS) of t (input-major weights, `stride` floats
     * apart) times their coefficients coefficients[cOff + g..], added to acc as one FMA chain per column in row order:
     * {@link ZeroSkippingLinear}'s lane-class sums, ROWS weight rows streaming side by side.
     */
    static void columnSums(MemorySegment acc, long accOff, MemorySegment t, long stride, int cols, int[] rows, int g,
                           float[] coefficients, int cOff) {
        long r0 = rows[g] * stride, r1 = rows[g + 1] * stride, r2 = rows[g + 2] * stride, r3 = rows[g + 3] * stride;
        long r4 = rows[g + 4] * stride, r5 = rows[g + 5] * stride, r6 = rows[g + 6] * stride, r7 = rows[g + 7] * stride;
        int c = cOff + g;
        FloatVector b0 = FloatVector.broadcast(SPECIES, coefficients[c]), b1 = FloatVector.broadcast(SPECIES, coefficients[c + 1]);
        FloatVector b2 = FloatVector.broadcast(SPECIES, coefficients[c + 2]), b3 = FloatVector.broadcast(SPECIES, coefficients[c + 3]);
        FloatVector b4 = FloatVector.broadcast(SPECIES, coefficients[c + 4]), b5 = FloatVector.broadcast(SPECIES, coefficients[c + 5]);
        FloatVector b6 = FloatVector.broadcast(SPECIES, coefficients[c + 6]), b7 = FloatVector.broadcast(SPECIES, coefficients[c + 7]);
        for (int j = 0; j < cols; j += LANES) {
            FloatVector a = load(acc, accOff + j);
            a = load(t, r0 + j).fma(b0, a);
            a = load(t, r1 + j).fma(b1, a);
            a = load(t, r2 + j).fma(b2, a);
            a = load(t, r3 + j).fma(b3, a);
            a = load(t, r4 + j).fma(b4, a);
            a = load(t, r5 + j).fma(b5, a);
            a = load(t, r6 + j).fma(b6, a);
            a = load(t, r7 + j).fma(b7, a);
            store(a, acc, accOff + j);
        }
    }

    /** 0, s, 2s, ... for a vector's lanes: the index map of {@link #gatherEvery}. */
    static int[] multiples(int s) {
        int[] map = new int[LANES];
        for (int i = 0; i < LANES; i++) map[i] = i * s;
        return map;
    }

    /**
     * The n floats from[first], from[first + s], from[first + 2s], ... into {@code to} from byte atBytes, {@code every} =
     * {@link #multiples}(s). The last vector is gathered whole (its lanes past n are not stored): a gather checks every
     * lane's index, so {@code from} needs LANES * s floats of slack.
     */
    static void gatherEvery(float[] from, int first, int[] every, MemorySegment to, long atBytes, int n) {
        int s = every[1];
        for (int v = 0; v < n; v += LANES) {
            FloatVector.fromArray(SPECIES, from, first + v * s, every, 0).intoMemorySegment(to, atBytes + v * 4L, ORDER, SPECIES.indexInRange(v, n));
        }
    }

    /** sum of a * (b - mean) over the first bound(n) elements. */
    static float dotCentered(MemorySegment a, long aOff, MemorySegment b, long bOff, long n, float mean) {
        long end = bound(n);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (long i = 0; i < end; i += LANES) acc = load(a, aOff + i).fma(load(b, bOff + i).sub(mean), acc);
        return laneSum(acc);
    }

    /** out = a * ca + b * cb + c0 (batch norm forward with b = null, backward with both). */
    static long linear(MemorySegment out, MemorySegment a, MemorySegment b, long off, long n, float ca, float cb, float c0) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) {
            FloatVector v = load(a, off + i).fma(ca, c0);
            if (b != null) v = load(b, off + i).fma(FloatVector.broadcast(SPECIES, cb), v);
            store(v, out, off + i);
        }
        return end;
    }

    /** Paper SGD: v = momentum*v - decayRate*w - lr*g; w += v, with decayRate = weightDecay*lr. */
    static long sgd(MemorySegment w, MemorySegment v, MemorySegment g, long off, long n, float momentum, float decayRate, float lr) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) {
            FloatVector wv = load(w, off + i);
            FloatVector vv = load(v, off + i).mul(momentum).sub(wv.mul(decayRate)).sub(load(g, off + i).mul(lr));
            store(vv, v, off + i);
            store(wv.add(vv), w, off + i);
        }
        return end;
    }

    /**
     * LRN forward over one output plane: scale = k + alphaOverN * sum of the squares of the window's planes
     * (planes at xOff + j*planeStride, j in [0, planes)), y = x / scale^beta, over all n positions: the last vector
     * masked, so every position gets the same arithmetic wherever it lies in the plane.
     */
    static long lrnForward(MemorySegment y, MemorySegment scale, MemorySegment x, long outOff, long windowOff, int planes,
                           long planeStride, long n, float k, float alphaOverN, float beta) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) {
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int j = 0; j < planes; j++) {
                FloatVector v = load(x, windowOff + j * planeStride + i);
                sum = v.fma(v, sum);
            }
            FloatVector s = sum.fma(alphaOverN, k), xs = load(x, outOff + i);
            store(s, scale, outOff + i);
            store(xs.div(power(s, beta)), y, outOff + i);
        }
        if (end < n) {
            // the body again under a mask: one body for both, with a null mask for whole vectors, ran 7x slower
            // (its vectors no longer stayed in registers; bench/RESULTS.md)
            VectorMask<Float> m = SPECIES.indexInRange(0, n - end);
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int j = 0; j < planes; j++) {
                FloatVector v = load(x, windowOff + j * planeStride + end, m);
                sum = v.fma(v, sum);
            }
            FloatVector s = sum.fma(alphaOverN, k), xs = load(x, outOff + end, m);
            s.intoMemorySegment(scale, (outOff + end) * 4, ORDER, m);
            xs.div(power(s, beta)).intoMemorySegment(y, (outOff + end) * 4, ORDER, m);
        }
        return n;
    }

    /**
     * LRN backward over one plane: dx = dy / scale^beta - coefficient * x * (sum over the window's planes of t),
     * with t = dy*y/scale precomputed at tWindowOff + j*planeStride, over all n positions when n >= LANES (else none).
     * The last vector ends at n, overlapping the one before, and stores only its lanes past that one's end (each
     * position is written once, by the same arithmetic): its loads are whole, where masked ones (as in {@link #lrnForward})
     * took C2 past its node budget, so that it called power and the loads out of line and boxed their vectors; and the
     * body is written out twice, where one loop over both slowed lrn1 by a third (bench/RESULTS.md).
     */
    static long lrnBackward(MemorySegment dx, MemorySegment dy, MemorySegment scale, MemorySegment x, MemorySegment t,
                            long off, long tWindowOff, int planes, long planeStride, long n, float beta, float coefficient) {
        if (n < LANES) return 0;
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) {
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int j = 0; j < planes; j++) sum = sum.add(load(t, tWindowOff + j * planeStride + i));
            FloatVector direct = load(dy, off + i).div(power(load(scale, off + i), beta));
            store(direct.sub(load(x, off + i).mul(sum).mul(coefficient)), dx, off + i);
        }
        if (end < n) {
            long i = n - LANES;
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int j = 0; j < planes; j++) sum = sum.add(load(t, tWindowOff + j * planeStride + i));
            FloatVector direct = load(dy, off + i).div(power(load(scale, off + i), beta));
            direct.sub(load(x, off + i).mul(sum).mul(coefficient)).intoMemorySegment(dx, (off + i) * 4, ORDER, SPECIES.indexInRange(0, end - i).not());
        }
        return n;
    }

    /** t = dy * y / scale over all n positions (t from 0, the others from off), the last vector masked. */
    static long lrnRatio(MemorySegment t, MemorySegment dy, MemorySegment y, MemorySegment scale, long off, long n) {
        long end = bound(n);
        for (long i = 0; i < end; i += LANES) {
            store(load(dy, off + i).mul(load(y, off + i)).div(load(scale, off + i)), t, i);
        }
        if (end < n) {
            VectorMask<Float> m = SPECIES.indexInRange(0, n - end);
            load(dy, off + end, m).mul(load(y, off + end, m)).div(load(scale, off + end, m)).intoMemorySegment(t, end * 4, ORDER, m);
        }
        return n;
    }

    /**
     * The sum of v's lanes in lane order: reduceLanes' order is unspecified and differs between compiled and interpreted
     * code. Lane by lane: through toArray each sum allocated an array and took twice as long.
     */
    private static float laneSum(FloatVector v) {
        float sum = 0f;
        for (int i = 0; i < LANES; i++) sum += v.lane(i);
        return sum;
    }

    /** s^beta; beta = 0.75 (AlexNet) as sqrt(s) * sqrt(sqrt(s)), exact to a few ulps and much faster than pow. */
    private static FloatVector power(FloatVector s, float beta) {
        if (beta == 0.75f) {
            FloatVector root = s.sqrt();
            return root.mul(root.sqrt());
        }
        return s.pow(beta);
    }
}
