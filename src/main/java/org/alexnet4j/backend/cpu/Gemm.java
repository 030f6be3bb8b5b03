package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.CpuOptions;

/**
 * Single-precision matrix multiplication in the BLIS/GotoBLAS shape, used by the linear and convolution
 * ops: C (=|+=) A B with every operand given by its strides ({@link Matrix}), so transposes cost no copy.
 *
 * <p>Products are deep: a packed B block is the whole depth of the product (up to kc, else equal blocks of
 * at most kc), so each tile of C is written once per block, its accumulators in registers across the whole
 * depth; the B panel under the kernel (depth x NR floats) stays in L2 while A's MR-row panels stream past it.
 * C is walked in row groups whose C block, beside the packed B block, stays in L2 across the depth loop. B's
 * panels are packed from a strided matrix (a transposed B is transposed in packing) or come from a
 * {@link PanelSource} (a convolution gathers them from its input). A is packed into MR-row panels once per
 * row group for wide products, read in place through its strides for narrow ones, or packed once ahead
 * ({@link PackedA}, a convolution's filters); the {@link GemmKernels#kernel MR x NR micro-kernel}
 * accumulates in registers, and the last depth block stores through an {@link Epilogue} (bias, ReLU).
 * With a pool, C is split among the workers along its longer side (in MR rows or NR columns); without
 * one the call runs on the given worker. Without the Vector API it runs plain loops.
 */
final class Gemm {
    /**
     * The blocking (CpuOptions.GemmBlocking): kc, the most depth of one packed block (a B panel of 4096 x NR
     * floats is 512 KiB at 512 bits, half the L2; measured in bench/RESULTS.md: whole-depth blocks beat the
     * L1-sized 224 that wrote each C tile back K/224 times); mc, rows of A per block; nc, the most columns of B
     * per packed block; l2Budget, the bytes of L2 (1 MiB per core) for a row group's C block plus the B block,
     * the rest holding the A block (with C's block larger than L2, a quarter of a 2048^3 product went to
     * write-back misses).
     */
    private final int kc, mc, nc;
    private final long l2Budget;
    private final Scratch[] scratch;

    /** Products over the workers' {@code scratch} with the given blocking. */
    Gemm(Scratch[] scratch, CpuOptions.GemmBlocking blocking) {
        this.scratch = scratch;
        this.kc = blocking.kc();
        this.mc = blocking.mc();
        this.nc = blocking.nc();
        this.l2Budget = blocking.l2Bytes();
    }

    /** Rows per group at most, and floats of a group's packed A at most (8 MiB). */
    static final int GROUP_ROWS = 512;
    static final long GROUP_A_FLOATS = 2L << 20;

    /**
     * A is packed (contiguous MR-row panels) when a piece has at least this many columns: then the packing
     * is spread over many column panels, and it avoids the cache-set conflicts of reading MR rows in place
     * when A's row stride is a large power of two. Narrower products read A in place.
     */
    static final int PACK_A_COLUMNS = 512;

    /**
     * A product at most this many B panels wide is narrow (an FC layer at a small batch): its few panels
     * stay in L2 while each A row tile is used for all of them, and A, used only that often, streams
     * from memory: a row-major A in long runs (NARROW_KC deep: 4 x 2048 x 128 bytes = 1 MiB of panels), a
     * transposed A, whose tiles read across rows, in L1-sized blocks (NARROW_TRANSPOSED_KC; whole-depth blocks
     * made the FC layers' transposed products at batch 64 twice as slow).
     */
    static final int NARROW_PANELS = 4, NARROW_KC = 2048, NARROW_TRANSPOSED_KC = 224;

    private static final boolean VECTOR = CpuConfig.VECTOR;

    /** The depth of each packed block of a product k deep: k in equal blocks of at most kc (the last one shorter by less than one per block). */
    int depthBlock(int k) {
        int blocks = Math.max(1, ceilDiv(k, kc));
        return Math.max(1, ceilDiv(k, blocks));
    }

    /** Packs B rows [pc, pc+kc) and columns [jc, jc+nc) into NR-wide panels, laid out as {@link GemmKernels#packB}. */
    interface PanelSource { void pack(int pc, int kc, int jc, int nc, MemorySegment packed); }

    /** The panels of a strided B. */
    static PanelSource panels(Matrix b) {
        return (pc, kc, jc, nc, packed) -> GemmKernels.packB(new Matrix(b.segment(), b.at(pc, jc), b.rowStride(), b.colStride()), kc, nc, packed);
    }

    /**
     * An m x k A packed once at full depth, to be reused by many products (a convolution's filters, once per
     * call rather than once per image): MR-row panels, panel p holding k columns of MR floats at p*k*MR.
     */
    record PackedA(MemorySegment panels, int rows, int depth) {
        static long floats(int m, int k) { return (long) ceilDiv(m, GemmKernels.MR) * GemmKernels.MR * k; }

        /** Packs a (m x k) into {@code into} (at least floats(m, k)), one task per MR-row panel; pool == null packs serially. */
        static PackedA pack(WorkerPool pool, Matrix a, int m, int k, MemorySegment into) {
            int mr = GemmKernels.MR, panels = ceilDiv(m, mr);
            WorkerPool.Task panel = (worker, p) -> GemmKernels.packA(new Matrix(a.segment(), a.at((long) p * mr, 0), a.rowStride(), a.colStride()),
                    Math.min(mr, m - p * mr), k, into.asSlice((long) p * mr * k * Float.BYTES));
            if (pool == null) {
                for (int p = 0; p < panels; p++) panel.run(0, p);
            } else {
                pool.forEach(panels, panel);
            }
            return new PackedA(into, m, k);
        }

        /** The float index of element (i, p) when i is the first row of a panel. */
        long origin(int i, int p) { return (long) i * depth + (long) p * GemmKernels.MR; }
    }

    /** What the last depth block does to each row of C as it stores it: add the row's bias (when given), then clamp at zero. */
    record Epilogue(MemorySegment bias, long biasOffset, boolean relu) {
        static final Epilogue NONE = new Epilogue(null, 0, false);
        boolean none() { return bias == null && !relu; }
    }

    /** One serial piece of a product: rows [i0, i1) and columns [j0, j1) of C. */
    private interface Piece { void run(Scratch scratch, int i0, int i1, int j0, int j1); }

    /**
     * C (m x n) = A (m x k) * B (k x n), or C += when {@code accumulate}; any strides. pool == null runs
     * serially with scratch[worker].
     */
    void multiply(WorkerPool pool, int worker, int m, int n, int k, Matrix a, Matrix b, Matrix c, boolean accumulate) {
        boolean narrow = narrow(n);
        split(pool, worker, m, n, (s, i0, i1, j0, j1) -> {
            if (VECTOR) blocked(s, i0, i1, j0, j1, k, narrow, a, null, panels(b), c, accumulate, Epilogue.NONE);
            else scalarMultiply(i0, i1, j0, j1, k, a, b, c, accumulate);
        });
    }

    /** C (m x n) (=|+=) A (m x k, any strides) * B with B's panels from {@code b}; Vector API only. */
    void multiply(WorkerPool pool, int worker, int m, int n, int k, Matrix a, PanelSource b, Matrix c, boolean accumulate) {
        boolean narrow = narrow(n);
        split(pool, worker, m, n, (s, i0, i1, j0, j1) -> blocked(s, i0, i1, j0, j1, k, narrow, a, null, b, c, accumulate, Epilogue.NONE));
    }

    /**
     * C (m x n) (=|+=) A * B with A packed ahead and B's panels from {@code b}, then the epilogue; Vector API
     * only. pool == null runs serially with scratch[worker].
     */
    void multiply(WorkerPool pool, int worker, int n, PackedA a, PanelSource b, Matrix c, boolean accumulate, Epilogue epilogue) {
        boolean narrow = narrow(n);
        split(pool, worker, a.rows(), n, (s, i0, i1, j0, j1) -> blocked(s, i0, i1, j0, j1, a.depth(), narrow, null, a, b, c, accumulate, epilogue));
    }

    /** Runs the product as one piece, or splits C among the workers along its longer side (in MR rows or NR columns). */
    private void split(WorkerPool pool, int worker, int m, int n, Piece piece) {
        int rowAlign = VECTOR ? GemmKernels.MR : 1, columnAlign = VECTOR ? GemmKernels.NR : 1;
        int workers = pool == null ? 1 : pool.size();
        int columnGroups = ceilDiv(n, columnAlign), rowGroups = ceilDiv(m, rowAlign);
        if (workers == 1 || Math.max(columnGroups, rowGroups) < workers) {
            piece.run(scratch[worker], 0, m, 0, n);
        } else if (columnGroups >= rowGroups) {
            int width = ceilDiv(columnGroups, workers) * columnAlign;
            pool.forEach(ceilDiv(n, width), (w, t) -> piece.run(scratch[w], 0, m, t * width, Math.min(n, (t + 1) * width)));
        } else {
            int height = ceilDiv(rowGroups, workers) * rowAlign;
            pool.forEach(ceilDiv(m, height), (w, t) -> piece.run(scratch[w], t * height, Math.min(m, (t + 1) * height), 0, n));
        }
    }

    /**
     * Whether a product n columns wide is narrow. Decided for the whole product, never per piece: the depth
     * blocks follow from it, and with them the order of every sum, which must not depend on how the product
     * is split among the workers.
     */
    private boolean narrow(int n) { return VECTOR && ceilDiv(Math.min(nc, n), GemmKernels.NR) <= NARROW_PANELS; }

    /**
     * One piece with the Vector API: A from {@code a} (in place or packed per row group) or {@code prepacked}, B
     * from {@code b}; {@code narrow} is the whole product's.
     */
    private void blocked(Scratch scratch, int i0, int i1, int j0, int j1, int k, boolean narrow, Matrix a, PackedA prepacked,
                                PanelSource b, Matrix c, boolean accumulate, Epilogue epilogue) {
        final int mr = GemmKernels.MR, nr = GemmKernels.NR;
        int depth = narrow && a != null ? (a.colStride() == 1 ? NARROW_KC : NARROW_TRANSPOSED_KC) : depthBlock(k);
        boolean packA = a != null && !narrow && j1 - j0 >= PACK_A_COLUMNS;
        // Rows go in groups whose C block stays in L2, beside its B block, across the depth loop; a packed A is
        // packed once per group, at full depth, for all its column blocks.
        int group = packA ? Math.clamp(GROUP_A_FLOATS / ((long) k * mr) * mr, mr, GROUP_ROWS) : prepacked != null ? GROUP_ROWS : i1 - i0;
        int ncMax = narrow ? ceilDiv(Math.min(nc, j1 - j0), nr) * nr : columnsPerBlock(Math.min(group, i1 - i0), Math.min(depth, k), j1 - j0);
        MemorySegment packed = scratch.get(Scratch.Role.PACKED_B, (long) Math.min(depth, k) * ncMax);
        MemorySegment tile = scratch.get(Scratch.Role.TILE, GemmKernels.TILE_FLOATS);
        for (int g0 = i0; g0 < i1; g0 += group) {
            int g1 = Math.min(i1, g0 + group);
            PackedA ahead = prepacked;
            int aheadRow = 0; // the row of C that ahead's row 0 is
            if (packA) {
                ahead = PackedA.pack(null, new Matrix(a.segment(), a.at(g0, 0), a.rowStride(), a.colStride()), g1 - g0, k,
                        scratch.get(Scratch.Role.PACKED_A, PackedA.floats(g1 - g0, k)));
                aheadRow = g0;
            }
            Matrix panels = ahead != null ? new Matrix(ahead.panels(), 0, 1, mr) : a;
            for (int jc = j0; jc < j1; jc += ncMax) {
                int width = Math.min(ncMax, j1 - jc);
                for (int pc = 0; pc < k; pc += depth) {
                    int blockDepth = Math.min(depth, k - pc);
                    boolean add = accumulate || pc > 0;
                    Epilogue last = pc + blockDepth == k ? epilogue : Epilogue.NONE;
                    b.pack(pc, blockDepth, jc, width, packed);
                    for (int ic = g0; ic < g1; ic += mc) {
                        int icEnd = Math.min(g1, ic + mc);
                        // Usually each B panel stays in cache (L2 for a deep block) while the A rows stream past it; a
                        // narrow product keeps its few B panels in L2 instead and walks A once.
                        int columnPanels = ceilDiv(width, nr), rowTiles = ceilDiv(icEnd - ic, mr);
                        int outer = narrow ? rowTiles : columnPanels, inner = narrow ? columnPanels : rowTiles;
                        for (int o = 0; o < outer; o++) {
                            for (int t = 0; t < inner; t++) {
                                int ir = ic + (narrow ? o : t) * mr, jr = (narrow ? t : o) * nr;
                                long origin = ahead != null ? ahead.origin(ir - aheadRow, pc) : a.at(ir, pc);
                                GemmKernels.kernel(panels, origin, Math.min(mr, icEnd - ir), packed, (long) jr * blockDepth, blockDepth,
                                        c, c.at(ir, jc + jr), Math.min(nr, width - jr), add, tile, last, ir);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Columns per packed block for a row group of {@code rows}: as many whole panels as keep the group's C block
     * and the B block (depth x columns) within l2Budget bytes, at least enough not to be a narrow product (what deep
     * blocks get: their B block alone exceeds the budget), at most nc.
     */
    private int columnsPerBlock(int rows, int depth, int columns) {
        int nr = GemmKernels.NR;
        long fit = l2Budget / ((long) (rows + depth) * Float.BYTES) / nr * nr;
        return (int) Math.min(Math.max(fit, (NARROW_PANELS + 1L) * nr), Math.min(nc, ceilDiv(columns, nr) * nr));
    }

    private static void scalarMultiply(int i0, int i1, int j0, int j1, int k, Matrix a, Matrix b, Matrix c, boolean accumulate) {
        MemorySegment as = a.segment(), bs = b.segment(), cs = c.segment();
        for (int i = i0; i < i1; i++) {
            if (!accumulate) {
                for (int j = j0; j < j1; j++) Loops.set(cs, c.at(i, j), 0f);
            }
            for (int p = 0; p < k; p++) {
                float x = Loops.get(as, a.at(i, p));
                for (int j = j0; j < j1; j++) {
                    long at = c.at(i, j);
                    Loops.set(cs, at, Loops.get(cs, at) + x * Loops.get(bs, b.at(p, j)));
                }
            }
        }
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
}
