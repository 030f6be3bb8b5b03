package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Single-precision matrix multiplication in the BLIS/GotoBLAS shape, used by the linear and convolution ops.
 *
 * <p>{@link #multiply} (C = A B): B is packed KC x NC at a time into NR-wide panels (kept in L3, one
 * panel in L1 across the row loop); A is read in place through its strides (so transposed A costs no copy)
 * in MC x KC blocks that stay in L2; a {@link GemmKernels#kernelNN MR x NR micro-kernel} accumulates in
 * registers. {@link #multiplyTransposed} (C = A B^T, both contiguous in k) needs no packing: 4 x 4 tiles of
 * dot products over KC-long slices. With a pool the columns (or, for narrow C, the rows) are split among the
 * workers; without one the call runs on the given worker. Without the Vector API both run plain loops.
 */
final class Gemm {
    private Gemm() {}

    /** Depth of one packed block: KC rows of an NR panel (KC*NR*4 bytes = 32 KiB at 512 bits) fill most of the 48 KiB L1. */
    static final int KC = Integer.getInteger("alexnet4j.cpu.gemm.kc", 256);
    /** Rows of A per L2 block: MC*KC*4 bytes = 256 KiB of the 1 MiB L2. */
    static final int MC = Integer.getInteger("alexnet4j.cpu.gemm.mc", 256);
    /** Columns of B per packed block: KC*NC*4 bytes = 4 MiB per worker, in the 32 MiB L3. */
    static final int NC = Integer.getInteger("alexnet4j.cpu.gemm.nc", 4096);
    /** Depth of one NT slice: 4 rows of 1024 floats = 16 KiB of B rows stay in L1 while A rows stream from L2. */
    static final int NT_KC = Integer.getInteger("alexnet4j.cpu.gemm.ntkc", 1024);
    /** Rows of A per NT block: NT_MC*NT_KC*4 bytes = 512 KiB in L2. */
    static final int NT_MC = 128;

    private static final boolean VECTOR = CpuConfig.VECTOR;

    /** One serial piece of a product: rows [i0, i1) and columns [j0, j1) of C. */
    private interface Piece { void run(Scratch scratch, int i0, int i1, int j0, int j1); }

    /**
     * C (m x n) = A (m x k) * B (k x n), or C += when {@code accumulate}. A: any strides; B and C: unit
     * column stride. pool == null runs serially with scratch[worker].
     */
    static void multiply(WorkerPool pool, Scratch[] scratch, int worker, int m, int n, int k,
                         Matrix a, Matrix b, Matrix c, boolean accumulate) {
        if (b.colStride() != 1 || c.colStride() != 1) throw new IllegalArgumentException("gemm: B and C need contiguous rows");
        int columnAlign = VECTOR ? GemmKernels.NR : 1, rowAlign = VECTOR ? GemmKernels.MR : 1;
        split(pool, scratch, worker, m, n, rowAlign, columnAlign, (s, i0, i1, j0, j1) -> {
            if (VECTOR) blocked(s, i0, i1, j0, j1, k, a, b, c, accumulate);
            else scalarMultiply(i0, i1, j0, j1, k, a, b, c, accumulate);
        });
    }

    /**
     * C (m x n) = A (m x k) * Bt^T with Bt (n x k), or C += when {@code accumulate}; A and Bt have
     * contiguous rows (unit column stride), C unit column stride.
     */
    static void multiplyTransposed(WorkerPool pool, Scratch[] scratch, int worker, int m, int n, int k,
                                   Matrix a, Matrix bt, Matrix c, boolean accumulate) {
        if (a.colStride() != 1 || bt.colStride() != 1 || c.colStride() != 1) {
            throw new IllegalArgumentException("gemm (transposed B): A, Bt and C need contiguous rows");
        }
        int align = VECTOR ? GemmKernels.NT_TILE : 1;
        split(pool, scratch, worker, m, n, align, align, (s, i0, i1, j0, j1) -> {
            if (VECTOR) blockedTransposed(i0, i1, j0, j1, k, a, bt, c, accumulate);
            else scalarMultiplyTransposed(i0, i1, j0, j1, k, a, bt, c, accumulate);
        });
    }

    /** Splits C into one piece per worker: by columns when there are enough aligned column groups, else by rows. */
    private static void split(WorkerPool pool, Scratch[] scratch, int worker, int m, int n, int rowAlign, int columnAlign, Piece piece) {
        int workers = pool == null ? 1 : pool.size();
        int columnGroups = ceilDiv(n, columnAlign), rowGroups = ceilDiv(m, rowAlign);
        if (workers == 1 || (columnGroups < workers && rowGroups < workers)) {
            piece.run(scratch[worker], 0, m, 0, n);
        } else if (columnGroups >= workers) {
            int width = ceilDiv(columnGroups, workers) * columnAlign;
            pool.forEach(ceilDiv(n, width), (w, t) -> piece.run(scratch[w], 0, m, t * width, Math.min(n, (t + 1) * width)));
        } else {
            int height = ceilDiv(rowGroups, workers) * rowAlign;
            pool.forEach(ceilDiv(m, height), (w, t) -> piece.run(scratch[w], t * height, Math.min(m, (t + 1) * height), 0, n));
        }
    }

    private static void blocked(Scratch scratch, int i0, int i1, int j0, int j1, int k, Matrix a, Matrix b, Matrix c, boolean accumulate) {
        final int mr = GemmKernels.MR, nr = GemmKernels.NR;
        int ncMax = ceilDiv(Math.min(NC, j1 - j0), nr) * nr;
        MemorySegment packed = scratch.get(Scratch.Role.PACKED_B, (long) Math.min(KC, k) * ncMax);
        MemorySegment tile = scratch.get(Scratch.Role.TILE, (long) mr * nr);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean add = accumulate || pc > 0;
                GemmKernels.packB(new Matrix(b.segment(), b.at(pc, jc), b.rowStride(), 1), kc, nc, packed);
                for (int ic = i0; ic < i1; ic += MC) {
                    int icEnd = Math.min(i1, ic + MC);
                    for (int jr = 0; jr < nc; jr += nr) {
                        int width = Math.min(nr, nc - jr);
                        for (int ir = ic; ir < icEnd; ir += mr) {
                            GemmKernels.kernelNN(a, a.at(ir, pc), Math.min(mr, icEnd - ir), packed, (long) jr * kc, kc,
                                    c, c.at(ir, jc + jr), width, add, tile);
                        }
                    }
                }
            }
        }
    }

    private static void blockedTransposed(int i0, int i1, int j0, int j1, int k, Matrix a, Matrix bt, Matrix c, boolean accumulate) {
        final int tile = GemmKernels.NT_TILE;
        for (int pc = 0; pc < k; pc += NT_KC) {
            int kc = Math.min(NT_KC, k - pc);
            boolean add = accumulate || pc > 0;
            for (int ic = i0; ic < i1; ic += NT_MC) {
                int icEnd = Math.min(i1, ic + NT_MC);
                for (int j = j0; j < j1; j += tile) {
                    int width = Math.min(tile, j1 - j);
                    for (int i = ic; i < icEnd; i += tile) {
                        GemmKernels.kernelNT(a.segment(), a.at(i, pc), a.rowStride(), Math.min(tile, icEnd - i),
                                bt.segment(), bt.at(j, pc), bt.rowStride(), width, kc,
                                c.segment(), c.at(i, j), c.rowStride(), add);
                    }
                }
            }
        }
    }

    private static void scalarMultiply(int i0, int i1, int j0, int j1, int k, Matrix a, Matrix b, Matrix c, boolean accumulate) {
        MemorySegment as = a.segment(), bs = b.segment(), cs = c.segment();
        for (int i = i0; i < i1; i++) {
            if (!accumulate) Loops.fill(cs, c.at(i, j0), j1 - j0, 0f);
            for (int p = 0; p < k; p++) {
                float x = Loops.get(as, a.at(i, p));
                long bRow = b.at(p, 0), cRow = c.at(i, 0);
                for (int j = j0; j < j1; j++) Loops.set(cs, cRow + j, Loops.get(cs, cRow + j) + x * Loops.get(bs, bRow + j));
            }
        }
    }

    private static void scalarMultiplyTransposed(int i0, int i1, int j0, int j1, int k, Matrix a, Matrix bt, Matrix c, boolean accumulate) {
        MemorySegment as = a.segment(), bs = bt.segment(), cs = c.segment();
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                long aRow = a.at(i, 0), bRow = bt.at(j, 0);
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += Loops.get(as, aRow + p) * Loops.get(bs, bRow + p);
                long at = c.at(i, j);
                Loops.set(cs, at, accumulate ? Loops.get(cs, at) + sum : sum);
            }
        }
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
}
