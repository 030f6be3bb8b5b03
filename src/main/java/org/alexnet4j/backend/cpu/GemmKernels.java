package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.ORDER;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The Vector API GEMM micro-kernel and B packing (see {@link Gemm} for the blocking around them): an
 * MR x NR tile of C from A read in place through its strides (one broadcast per row and k) and a packed
 * B panel (NR = two vectors per k), MR*2 accumulators in registers. Loaded only when {@link CpuConfig#VECTOR}.
 */
final class GemmKernels {
    private GemmKernels() {}

    /** Rows of the NN tile: 8 rows x 2 vectors = 16 accumulators + 2 B vectors + 1 broadcast, within 32 registers. */
    static final int MR = 8;
    /** Columns of the NN tile: two vectors. */
    static final int NR = 2 * LANES;
    /** Floats of the tile buffer the kernel stores its accumulators to. */
    static final int TILE_FLOATS = MR * NR;

    private static final long VECTOR_BYTES = LANES * 4L, ROW_BYTES = NR * 4L;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * Packs B rows [0, kc) and columns [0, nc) (b's origin already moved to the block) into NR-wide
     * panels: panel p holds kc rows of NR floats at packed[p*kc*NR], columns past nc zero. Rows of B
     * that are contiguous copy as vectors; a transposed B (columns contiguous) is transposed through the heap.
     */
    static void packB(Matrix b, int kc, int nc, MemorySegment packed) {
        if (b.colStride() != 1) {
            packTransposedB(b, kc, nc, packed);
            return;
        }
        MemorySegment src = b.segment();
        long rowStride = b.rowStride() * 4;
        for (int jr = 0; jr < nc; jr += NR) {
            int width = Math.min(NR, nc - jr);
            long dst = (long) jr * kc * 4, from = (b.offset() + jr) * 4;
            VectorMask<Float> m0 = SPECIES.indexInRange(0, width), m1 = SPECIES.indexInRange(LANES, width);
            for (int k = 0; k < kc; k++, from += rowStride, dst += ROW_BYTES) {
                FloatVector v0, v1;
                if (width == NR) {
                    v0 = FloatVector.fromMemorySegment(SPECIES, src, from, ORDER);
                    v1 = FloatVector.fromMemorySegment(SPECIES, src, from + VECTOR_BYTES, ORDER);
                } else {
                    v0 = FloatVector.fromMemorySegment(SPECIES, src, from, ORDER, m0);
                    v1 = FloatVector.fromMemorySegment(SPECIES, src, from + VECTOR_BYTES, ORDER, m1);
                }
                v0.intoMemorySegment(packed, dst, ORDER);
                v1.intoMemorySegment(packed, dst + VECTOR_BYTES, ORDER);
            }
        }
    }

    /**
     * Packs rows [0, mc) and columns [0, kc) of A (a's origin at the block) into MR-row panels: panel p holds
     * kc columns of MR floats at packed[p*kc*MR] (rows past mc in the last panel are left as they are; the
     * kernel never stores them). Read as Matrix(packed, p*kc*MR, 1, MR) by the kernel.
     */
    static void packA(Matrix a, int mc, int kc, MemorySegment packed) {
        float[] rows = new float[MR * kc], panel = new float[MR * kc];
        for (int ir = 0; ir < mc; ir += MR) {
            int height = Math.min(MR, mc - ir);
            long dst = (long) ir * kc;
            if (a.colStride() == 1) {
                for (int i = 0; i < height; i++) MemorySegment.copy(a.segment(), FLOAT, a.at(ir + i, 0) * 4, rows, i * kc, kc);
                for (int k = 0; k < kc; k++) {
                    for (int i = 0; i < height; i++) panel[k * MR + i] = rows[i * kc + k];
                }
                MemorySegment.copy(panel, 0, packed, FLOAT, dst * 4, MR * kc);
            } else if (a.rowStride() == 1) {
                for (int k = 0; k < kc; k++) Loops.copy(packed, dst + (long) k * MR, a.segment(), a.at(ir, k), height);
            } else {
                for (int k = 0; k < kc; k++) {
                    for (int i = 0; i < height; i++) Loops.set(packed, dst + (long) k * MR + i, Loops.get(a.segment(), a.at(ir + i, k)));
                }
            }
        }
    }

    /** Packs a B whose columns are contiguous (rowStride 1): each column is read as one run, transposed on the heap. */
    private static void packTransposedB(Matrix b, int kc, int nc, MemorySegment packed) {
        if (b.rowStride() != 1) throw new IllegalArgumentException("gemm: B needs contiguous rows or contiguous columns");
        float[] column = new float[kc], panel = new float[kc * NR];
        for (int jr = 0; jr < nc; jr += NR) {
            int width = Math.min(NR, nc - jr);
            if (width < NR) java.util.Arrays.fill(panel, 0f);
            for (int j = 0; j < width; j++) {
                MemorySegment.copy(b.segment(), FLOAT, b.at(0, jr + j) * 4, column, 0, kc);
                for (int k = 0; k < kc; k++) panel[k * NR + j] = column[k];
            }
            MemorySegment.copy(panel, 0, packed, FLOAT, (long) jr * kc * 4, kc * NR);
        }
    }

    /**
     * C[0..mr, 0..nr) (=|+=) A[0..mr, 0..kc) * panel, with a's and c's origins at the tile. Rows past mr
     * repeat row mr-1 (valid memory) and are not stored, so M tails need no packing. {@code tile} is
     * scratch for MR x NR floats; {@code row} is the tile's first row of C, for the epilogue's bias.
     */
    static void kernel(Matrix a, long aOff, int mr, MemorySegment packed, long panel, int kc,
                       Matrix c, long cOff, int nr, boolean accumulate, MemorySegment tile, Gemm.Epilogue epilogue, int row) {
        MemorySegment as = a.segment();
        long rs = a.rowStride() * 4, step = a.colStride() * 4, base = aOff * 4;
        long a0 = base, a1 = base + Math.min(1, mr - 1) * rs, a2 = base + Math.min(2, mr - 1) * rs, a3 = base + Math.min(3, mr - 1) * rs;
        long a4 = base + Math.min(4, mr - 1) * rs, a5 = base + Math.min(5, mr - 1) * rs, a6 = base + Math.min(6, mr - 1) * rs;
        long a7 = base + Math.min(7, mr - 1) * rs;
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        long p = panel * 4, k4 = 0;
        for (int k = 0; k < kc; k++, p += ROW_BYTES, k4 += step) {
            FloatVector b0 = FloatVector.fromMemorySegment(SPECIES, packed, p, ORDER);
            FloatVector b1 = FloatVector.fromMemorySegment(SPECIES, packed, p + VECTOR_BYTES, ORDER);
            FloatVector x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a0 + k4));
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a1 + k4));
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a2 + k4));
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a3 + k4));
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a4 + k4));
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a5 + k4));
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a6 + k4));
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, as.get(FLOAT, a7 + k4));
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        // The accumulators go to the tile buffer right here: passing vectors to a method that is not inlined
        // would box them, and a larger method stops the JIT from compiling this one well.
        c00.intoMemorySegment(tile, 0, ORDER); c01.intoMemorySegment(tile, VECTOR_BYTES, ORDER);
        c10.intoMemorySegment(tile, ROW_BYTES, ORDER); c11.intoMemorySegment(tile, ROW_BYTES + VECTOR_BYTES, ORDER);
        c20.intoMemorySegment(tile, 2 * ROW_BYTES, ORDER); c21.intoMemorySegment(tile, 2 * ROW_BYTES + VECTOR_BYTES, ORDER);
        c30.intoMemorySegment(tile, 3 * ROW_BYTES, ORDER); c31.intoMemorySegment(tile, 3 * ROW_BYTES + VECTOR_BYTES, ORDER);
        c40.intoMemorySegment(tile, 4 * ROW_BYTES, ORDER); c41.intoMemorySegment(tile, 4 * ROW_BYTES + VECTOR_BYTES, ORDER);
        c50.intoMemorySegment(tile, 5 * ROW_BYTES, ORDER); c51.intoMemorySegment(tile, 5 * ROW_BYTES + VECTOR_BYTES, ORDER);
        c60.intoMemorySegment(tile, 6 * ROW_BYTES, ORDER); c61.intoMemorySegment(tile, 6 * ROW_BYTES + VECTOR_BYTES, ORDER);
        c70.intoMemorySegment(tile, 7 * ROW_BYTES, ORDER); c71.intoMemorySegment(tile, 7 * ROW_BYTES + VECTOR_BYTES, ORDER);
        storeTile(tile, mr, nr, c, cOff, accumulate, epilogue, row);
    }

    /**
     * {@link #kernel} for a single row: its two accumulators alone, where the kernel would compute the row MR times.
     * Each element is the same FMA chain, so the bits are the kernel's.
     */
    static void rowKernel(Matrix a, long aOff, MemorySegment packed, long panel, int kc, Matrix c, long cOff, int nr, boolean accumulate,
                          MemorySegment tile, Gemm.Epilogue epilogue, int row) {
        MemorySegment as = a.segment();
        long step = a.colStride() * 4, at = aOff * 4, p = panel * 4;
        FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0;
        for (int k = 0; k < kc; k++, p += ROW_BYTES, at += step) {
            FloatVector x = FloatVector.broadcast(SPECIES, as.get(FLOAT, at));
            c0 = x.fma(FloatVector.fromMemorySegment(SPECIES, packed, p, ORDER), c0);
            c1 = x.fma(FloatVector.fromMemorySegment(SPECIES, packed, p + VECTOR_BYTES, ORDER), c1);
        }
        c0.intoMemorySegment(tile, 0, ORDER);
        c1.intoMemorySegment(tile, VECTOR_BYTES, ORDER);
        storeTile(tile, 1, nr, c, cOff, accumulate, epilogue, row);
    }

    /**
     * C[0..mr, 0..nr) (=|+=) tile rows, then the epilogue: whole rows as two vectors, column tails under
     * masks, a C with non-unit column stride element by element.
     */
    static void storeTile(MemorySegment tile, int mr, int nr, Matrix c, long cOff, boolean accumulate, Gemm.Epilogue epilogue, int row) {
        // Whole rows of a dense C (nearly every tile) take a method of their own with no masks: small enough for the
        // JIT to compile its vector loads in place, where within this one they became calls (a tenth of a
        // Winograd forward's time). One masked path for every row (a shared helper taking the vectors) made the
        // whole single-tower forward 1.6x slower (bench/RESULTS.md).
        if (nr == NR && c.colStride() == 1) {
            storeWholeRows(tile, mr, c.segment(), cOff, c.rowStride(), accumulate, epilogue.bias(), epilogue.biasOffset() + row, epilogue.relu());
            return;
        }
        MemorySegment cs = c.segment(), bias = epilogue.bias();
        boolean relu = epilogue.relu();
        VectorMask<Float> m0 = SPECIES.indexInRange(0, nr), m1 = SPECIES.indexInRange(LANES, nr);
        for (int i = 0; i < mr; i++) {
            long at = cOff + i * c.rowStride();
            float shift = bias == null ? 0f : bias.get(FLOAT, (epilogue.biasOffset() + row + i) * 4);
            if (c.colStride() == 1) {
                long from = i * ROW_BYTES, to = at * 4;
                FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, tile, from, ORDER);
                FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, tile, from + VECTOR_BYTES, ORDER);
                if (accumulate) {
                    v0 = v0.add(FloatVector.fromMemorySegment(SPECIES, cs, to, ORDER, m0));
                    v1 = v1.add(FloatVector.fromMemorySegment(SPECIES, cs, to + VECTOR_BYTES, ORDER, m1));
                }
                finish(v0, shift, bias != null, relu).intoMemorySegment(cs, to, ORDER, m0);
                finish(v1, shift, bias != null, relu).intoMemorySegment(cs, to + VECTOR_BYTES, ORDER, m1);
            } else {
                for (int j = 0; j < nr; j++) {
                    long to = (at + j * c.colStride()) * 4;
                    float v = tile.get(FLOAT, ((long) i * NR + j) * 4);
                    if (accumulate) v += cs.get(FLOAT, to);
                    if (bias != null) v += shift;
                    cs.set(FLOAT, to, relu ? Math.max(v, 0f) : v);
                }
            }
        }
    }

    /** Rows [0, mr) of the tile, NR floats each, (+)= into C at cOff (rowStride floats apart), + bias[biasAt + i], then ReLU. */
    private static void storeWholeRows(MemorySegment tile, int mr, MemorySegment cs, long cOff, long rowStride, boolean accumulate,
                                       MemorySegment bias, long biasAt, boolean relu) {
        for (int i = 0; i < mr; i++) {
            long from = i * ROW_BYTES, to = (cOff + i * rowStride) * 4;
            FloatVector v0 = FloatVector.fromMemorySegment(SPECIES, tile, from, ORDER);
            FloatVector v1 = FloatVector.fromMemorySegment(SPECIES, tile, from + VECTOR_BYTES, ORDER);
            if (accumulate) {
                v0 = v0.add(FloatVector.fromMemorySegment(SPECIES, cs, to, ORDER));
                v1 = v1.add(FloatVector.fromMemorySegment(SPECIES, cs, to + VECTOR_BYTES, ORDER));
            }
            if (bias != null) {
                float shift = bias.get(FLOAT, (biasAt + i) * 4);
                v0 = v0.add(shift);
                v1 = v1.add(shift);
            }
            if (relu) {
                v0 = v0.max(0f);
                v1 = v1.max(0f);
            }
            v0.intoMemorySegment(cs, to, ORDER);
            v1.intoMemorySegment(cs, to + VECTOR_BYTES, ORDER);
        }
    }

    private static FloatVector finish(FloatVector v, float shift, boolean hasBias, boolean relu) {
        if (hasBias) v = v.add(shift);
        return relu ? v.max(0f) : v;
    }
}
