package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.ORDER;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import static jdk.incubator.vector.VectorOperators.ADD;

/**
 * The Vector API GEMM micro-kernels and B packing (see {@link Gemm} for the blocking around them).
 * NN: an MR x NR tile of C from A read in place through its strides (one broadcast per row and k) and
 * a packed B panel (NR = two vectors per k), MR*2 accumulators. NT: a 4 x 4 tile of dot products of
 * rows that are both contiguous in k. Loaded only when {@link CpuConfig#VECTOR} is true.
 */
final class GemmKernels {
    private GemmKernels() {}

    /** Rows of the NN tile: 8 rows x 2 vectors = 16 accumulators + 2 B vectors + 1 broadcast, within 32 registers. */
    static final int MR = 8;
    /** Columns of the NN tile: two vectors. */
    static final int NR = 2 * LANES;
    /** Rows (of A and of B) of the NT tile. */
    static final int NT_TILE = 4;

    private static final long VECTOR_BYTES = LANES * 4L, ROW_BYTES = NR * 4L;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * Packs B rows [0, kc) and columns [0, nc) (b's origin already moved to the block) into NR-wide
     * panels: panel p holds kc rows of NR floats at packed[p*kc*NR], columns past nc zero.
     */
    static void packB(Matrix b, int kc, int nc, MemorySegment packed) {
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
     * C[0..mr, 0..nr) (=|+=) A[0..mr, 0..kc) * panel, with a's and c's origins at the tile. Rows past mr
     * repeat row mr-1 (valid memory) and are not stored, so M tails need no packing. {@code tile} is
     * scratch for MR x NR floats.
     */
    static void kernelNN(Matrix a, long aOff, int mr, MemorySegment packed, long panel, int kc,
                         Matrix c, long cOff, int nr, boolean accumulate, MemorySegment tile) {
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
        storeTile(tile, mr, nr, c.segment(), cOff, c.rowStride(), accumulate);
    }

    /** C[0..mr, 0..nr) (=|+=) tile rows. */
    private static void storeTile(MemorySegment tile, int mr, int nr, MemorySegment c, long cOff, long ldc, boolean accumulate) {
        for (int i = 0; i < mr; i++) {
            if (accumulate) Loops.add(c, cOff + i * ldc, tile, (long) i * NR, nr);
            else Loops.copy(c, cOff + i * ldc, tile, (long) i * NR, nr);
        }
    }

    /**
     * C[0..mr, 0..nr) (=|+=) dot products of A rows and B rows over k in [0, kc), both contiguous in k
     * (aOff, bOff at the tile's first rows). Rows past mr / nr repeat the last valid row and are not stored.
     */
    static void kernelNT(MemorySegment a, long aOff, long lda, int mr, MemorySegment b, long bOff, long ldb, int nr, int kc,
                         MemorySegment c, long cOff, long ldc, boolean accumulate) {
        long a0 = aOff * 4, a1 = (aOff + Math.min(1, mr - 1) * lda) * 4, a2 = (aOff + Math.min(2, mr - 1) * lda) * 4;
        long a3 = (aOff + Math.min(3, mr - 1) * lda) * 4;
        long b0 = bOff * 4, b1 = (bOff + Math.min(1, nr - 1) * ldb) * 4, b2 = (bOff + Math.min(2, nr - 1) * ldb) * 4;
        long b3 = (bOff + Math.min(3, nr - 1) * ldb) * 4;
        FloatVector s00 = FloatVector.zero(SPECIES), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        int end = kc - kc % LANES;
        for (int k = 0; k <= end; k += LANES) {
            FloatVector x0, x1, x2, x3, y0, y1, y2, y3;
            if (k < end) {
                x0 = FloatVector.fromMemorySegment(SPECIES, a, a0 + k * 4L, ORDER); x1 = FloatVector.fromMemorySegment(SPECIES, a, a1 + k * 4L, ORDER);
                x2 = FloatVector.fromMemorySegment(SPECIES, a, a2 + k * 4L, ORDER); x3 = FloatVector.fromMemorySegment(SPECIES, a, a3 + k * 4L, ORDER);
                y0 = FloatVector.fromMemorySegment(SPECIES, b, b0 + k * 4L, ORDER); y1 = FloatVector.fromMemorySegment(SPECIES, b, b1 + k * 4L, ORDER);
                y2 = FloatVector.fromMemorySegment(SPECIES, b, b2 + k * 4L, ORDER); y3 = FloatVector.fromMemorySegment(SPECIES, b, b3 + k * 4L, ORDER);
            } else {
                if (end == kc) break;
                VectorMask<Float> m = SPECIES.indexInRange(0, kc - end);
                x0 = FloatVector.fromMemorySegment(SPECIES, a, a0 + k * 4L, ORDER, m); x1 = FloatVector.fromMemorySegment(SPECIES, a, a1 + k * 4L, ORDER, m);
                x2 = FloatVector.fromMemorySegment(SPECIES, a, a2 + k * 4L, ORDER, m); x3 = FloatVector.fromMemorySegment(SPECIES, a, a3 + k * 4L, ORDER, m);
                y0 = FloatVector.fromMemorySegment(SPECIES, b, b0 + k * 4L, ORDER, m); y1 = FloatVector.fromMemorySegment(SPECIES, b, b1 + k * 4L, ORDER, m);
                y2 = FloatVector.fromMemorySegment(SPECIES, b, b2 + k * 4L, ORDER, m); y3 = FloatVector.fromMemorySegment(SPECIES, b, b3 + k * 4L, ORDER, m);
            }
            s00 = x0.fma(y0, s00); s01 = x0.fma(y1, s01); s02 = x0.fma(y2, s02); s03 = x0.fma(y3, s03);
            s10 = x1.fma(y0, s10); s11 = x1.fma(y1, s11); s12 = x1.fma(y2, s12); s13 = x1.fma(y3, s13);
            s20 = x2.fma(y0, s20); s21 = x2.fma(y1, s21); s22 = x2.fma(y2, s22); s23 = x2.fma(y3, s23);
            s30 = x3.fma(y0, s30); s31 = x3.fma(y1, s31); s32 = x3.fma(y2, s32); s33 = x3.fma(y3, s33);
        }
        // Reduced here, not in a helper, so the accumulators never leave registers.
        storeDots(c, cOff, nr, accumulate, s00.reduceLanes(ADD), s01.reduceLanes(ADD), s02.reduceLanes(ADD), s03.reduceLanes(ADD));
        if (mr > 1) storeDots(c, cOff + ldc, nr, accumulate, s10.reduceLanes(ADD), s11.reduceLanes(ADD), s12.reduceLanes(ADD), s13.reduceLanes(ADD));
        if (mr > 2) storeDots(c, cOff + 2 * ldc, nr, accumulate, s20.reduceLanes(ADD), s21.reduceLanes(ADD), s22.reduceLanes(ADD), s23.reduceLanes(ADD));
        if (mr > 3) storeDots(c, cOff + 3 * ldc, nr, accumulate, s30.reduceLanes(ADD), s31.reduceLanes(ADD), s32.reduceLanes(ADD), s33.reduceLanes(ADD));
    }

    private static void storeDots(MemorySegment c, long off, int nr, boolean accumulate, float d0, float d1, float d2, float d3) {
        storeDot(c, off, accumulate, d0);
        if (nr > 1) storeDot(c, off + 1, accumulate, d1);
        if (nr > 2) storeDot(c, off + 2, accumulate, d2);
        if (nr > 3) storeDot(c, off + 3, accumulate, d3);
    }

    private static void storeDot(MemorySegment c, long index, boolean accumulate, float v) {
        c.set(FLOAT, index * 4, accumulate ? c.get(FLOAT, index * 4) + v : v);
    }
}
