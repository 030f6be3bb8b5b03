package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.ORDER;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.alexnet4j.backend.CpuOptions;

/**
 * Stride-1 r x r convolutions by Winograd's minimal filtering F(m x m, r x r) ({@link WinogradTransform}):
 * the forward, and the backward-data, which is the stride-1 correlation of dy with the filters flipped and
 * their input and output channels swapped, padded by r - 1 - pad ({@link WinogradFilterGradient} has the filter
 * gradient).
 *
 * <p>The output is cut into m x m tiles, each computed from an alpha x alpha input tile (alpha = m + r - 1).
 * Work goes in blocks of {@link #BLOCK_PANELS} GEMM panels of tiles (NR tiles each) per group: (1) the images a
 * block touches are copied into zero-padded heap planes and each input tile is gathered and transformed,
 * V = B^T d B, with one vector lane per tile, straight into the packed panel layout of the GEMM's B; (2) for
 * each of the alpha^2 transform points xi, M_xi = U_xi V_xi is a GEMM on the {@link GemmKernels#kernel
 * micro-kernel}, the transformed filters U (outChannels x inChannels per point) read in place; (3) each output
 * tile Y = A^T M A is transformed back (again one tile per lane), bias and ReLU applied, scattered into heap
 * output planes and copied out row by row. The transformed filters are kept per weight tensor and reused while
 * its contents are unchanged ({@link FilterCache}). A problem of at most one block per group (a layer at batch 1)
 * turns the GEMM around instead, the tiles as its rows ({@link WinogradTileRows}), with the same bits.
 *
 * <p>Every tile goes through the same operations in the same order whichever block, lane or worker computes
 * it, so the result does not depend on the thread count. Loaded only when {@link CpuConfig#VECTOR}.
 */
final class Winograd {
    /** Which convolution the problem is: y from x, dx from dy, or the filter gradient (the forward's problem, {@link WinogradFilterGradient}). */
    enum Direction { FORWARD, DATA, FILTER }

    /** GEMM panels (NR tiles each) per block of tiles. */
    static final int BLOCK_PANELS = 2;
    /** Output channels per block of products: the products buffer holds alpha^2 x this many rows x the block's tiles. */
    static final int FILTER_BLOCK = 64;
    /** The least input and output channels per group for which FAST takes Winograd. */
    static final int FAST_CHANNELS = 32;
    /**
     * The least output tiles per group for a tile side ({@link #tile}): the forward's and backward-data's (few tiles
     * are the GEMM's rows, {@link WinogradTileRows}: two MR-row panels), the filter gradient's (one NR-wide panel).
     */
    static final int FAST_TILES = 16, FAST_FILTER_TILES = 32;

    private static final int NR = GemmKernels.NR, MR = GemmKernels.MR;
    /** Tiles per block: {@link #run} turns the GEMM around ({@link WinogradTileRows}) for a problem of one block per group. */
    static final int BLOCK_TILES = BLOCK_PANELS * NR;

    /**
     * One stride-1 correlation with zero padding as Winograd computes it: n images of groups x inChannels planes
     * of h x w in, groups x outChannels planes of p x q out, r x r filters, padding pad, F(m x m, r x r).
     */
    record Problem(Direction direction, int n, int groups, int inChannels, int outChannels, int h, int w, int p, int q, int r, int pad, int m) {
        /** The forward of g (y from x; also its filter gradient's problem) or its backward-data (dx from dy), with m x m output tiles. */
        static Problem of(Convolution.Geometry g, Direction direction, int m) {
            return direction != Direction.DATA
                    ? new Problem(direction, g.n(), g.groups(), g.channelsPerGroup(), g.filtersPerGroup(), g.h(), g.w(), g.p(), g.q(), g.r(), g.spec().padH(), m)
                    : new Problem(direction, g.n(), g.groups(), g.filtersPerGroup(), g.channelsPerGroup(), g.p(), g.q(), g.h(), g.w(), g.r(),
                            g.r() - 1 - g.spec().padH(), m);
        }
        int alpha() { return m + r - 1; }
        int tilesY() { return Gemm.ceilDiv(p, m); }
        int tilesX() { return Gemm.ceilDiv(q, m); }
        int tilesPerImage() { return tilesY() * tilesX(); }
        long tiles() { return (long) n * tilesPerImage(); }
        /** The zero-padded input plane a tile grid reads: (tilesY*m + r - 1) x (tilesX*m + r - 1). */
        int paddedH() { return tilesY() * m + r - 1; }
        int paddedW() { return tilesX() * m + r - 1; }
        /** The most images one block of tiles touches. */
        int imagesPerBlock() { return Math.min(n, BLOCK_TILES / tilesPerImage() + 2); }
        /** Floats of a block's heap input planes (one channel), and of its output planes with a spare plane for unused lanes. */
        long inputFloats() { return (long) imagesPerBlock() * paddedH() * paddedW(); }
        long outputFloats() { return (imagesPerBlock() + 1L) * tilesY() * m * tilesX() * m; }
        /** Floats of one point's transformed filters of one group: outChannels in whole panels of {@code width} x inChannels. */
        long pointFloats(int width) { return (long) Gemm.ceilDiv(outChannels, width) * width * inChannels; }
        /** Floats of the transformed filters: groups x alpha^2 points. */
        long filterFloats(int width) { return (long) groups * alpha() * alpha() * pointFloats(width); }
    }

    /**
     * The tile side m for g in this direction under {@code setting}, or 0 where Winograd does not run. It applies
     * to stride-1 convolutions with square 3x3 or 5x5 filters and the same padding both ways (at most r - 1 for
     * backward-data), in every direction, whose block planes (the filter gradient's too) fit a Java array, as F(5x5, 3x3)
     * or F(4x4, 5x5) (measured against the other tile sides in bench/RESULTS.md), or where those give fewer than the
     * direction's least tiles ({@link #FAST_TILES}, {@link #FAST_FILTER_TILES}) the largest smaller side that gives that
     * many, else 2 (a 13x13 output at batch 1: F(4x4, 3x3), 16 tiles, in the forward; measured against 2x2, 3x3 and
     * 5x5 tiles). WINOGRAD takes it wherever it applies, EXACT never, and FAST where it pays: at least
     * {@link #FAST_CHANNELS} input and output channels per group (fewer leave the transforms a large share of the work)
     * and at least the least tiles per group in the batch (fewer leave the GEMM's registers mostly idle). The rule
     * reads only the shape, so a layer always gets the same algorithm and results repeat bit for bit.
     */
    static int tile(Convolution.Geometry g, Direction direction, CpuOptions.ConvolutionAlgorithm setting) {
        if (setting == CpuOptions.ConvolutionAlgorithm.EXACT) return 0;
        var spec = g.spec();
        if (spec.strideH() != 1 || spec.strideW() != 1 || g.r() != g.s() || spec.padH() != spec.padW() || (g.r() != 3 && g.r() != 5)) return 0;
        if (direction == Direction.DATA && spec.padH() > g.r() - 1) return 0;
        int m = g.r() == 3 ? 5 : 4, leastTiles = direction == Direction.FILTER ? FAST_FILTER_TILES : FAST_TILES;
        while (m > 2 && Problem.of(g, direction, m).tiles() < leastTiles) m--;
        Problem problem = Problem.of(g, direction, m);
        long gradientPlanes = direction == Direction.FILTER ? WinogradFilterGradient.planeFloats(problem) : 0;
        if (Math.max(Math.max(problem.inputFloats(), problem.outputFloats()), gradientPlanes) > Integer.MAX_VALUE / 2) return 0;
        if (setting == CpuOptions.ConvolutionAlgorithm.WINOGRAD) return m;
        boolean pays = problem.inChannels() >= FAST_CHANNELS && problem.outChannels() >= FAST_CHANNELS && problem.tiles() >= leastTiles;
        return pays ? m : 0;
    }

    /**
     * The transforms of one F(m, r) as vector stages: B^T (input), G (filter), A^T (output), and for the filter
     * gradient A (an output gradient tile into the points) and G^T (the points' gradient back onto the taps).
     */
    record Stages(WinogradStage input, WinogradStage filter, WinogradStage output, WinogradStage outputGradient, WinogradStage filterGradient) {
        static Stages of(int m, int r) {
            WinogradTransform t = WinogradTransform.of(m, r);
            return new Stages(new WinogradStage(t.bt()), new WinogradStage(t.g()), new WinogradStage(t.at()), new WinogradStage(transpose(t.at())),
                    new WinogradStage(transpose(t.g())));
        }

        private static double[][] transpose(double[][] a) {
            double[][] t = new double[a[0].length][a.length];
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
            }
            return t;
        }
    }

    /** Worker {@code worker}'s heap buffers. */
    Workspace workspace(int worker) { return workspaces[worker]; }

    /** The stages of F(m, r), made once per backend. */
    Stages stages(int m, int r) { return stages.computeIfAbsent(((long) m << 32) | r, key -> Stages.of(m, r)); }

    /** What a transformed filter set in the {@link FilterCache} is: U for these sizes, in panels of this width. */
    private record TransformedFilters(Direction direction, int groups, int inChannels, int outChannels, int r, int m, int width) {}

    private final WorkerPool pool;
    private final Scratch[] scratch;
    private final Workspace[] workspaces;
    private final FilterCache filters;
    private final Map<Long, Stages> stages = new HashMap<>();
    /** The problems of one block of tiles per group, with the tiles as the GEMM's rows. */
    private final WinogradTileRows tileRows;
    /** The weights on the heap while their filters are transformed: reused, as training changes them every step. */
    private float[] weightCopy = new float[0];

    Winograd(WorkerPool pool, Scratch[] scratch, FilterCache filters) {
        this.pool = pool;
        this.scratch = scratch;
        this.filters = filters;
        this.workspaces = new Workspace[scratch.length];
        for (int i = 0; i < workspaces.length; i++) workspaces[i] = new Workspace();
        this.tileRows = new WinogradTileRows(pool, scratch, this);
    }

    /**
     * out = the correlation of {@code in} with the filters {@code w} (laid out as the forward's (K, C/groups, r, r)
     * in both directions), + bias, then max(., 0) when {@code relu}; bias may be null.
     */
    void run(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias, boolean relu, Problem problem) {
        if (problem.tiles() <= BLOCK_TILES) tileRows.run(out, in, w, bias, relu, problem);
        else runByBlocks(out, in, w, bias, relu, problem);
    }

    /** {@link #run} by blocks of tiles as the GEMM's columns, whatever the problem's size (run takes it for more than one block per group). */
    void runByBlocks(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias, boolean relu, Problem problem) {
        Stages st = stages(problem.m(), problem.r());
        MemorySegment u = transformedFilters(w, problem, st, MR);
        int blocks = Math.toIntExact((problem.tiles() + BLOCK_TILES - 1) / BLOCK_TILES), tasks = problem.groups() * blocks;
        long inputPanelFloats = (long) problem.alpha() * problem.alpha() * BLOCK_PANELS * problem.inChannels() * NR;
        long productFloats = (long) problem.alpha() * problem.alpha() * FILTER_BLOCK * BLOCK_TILES;
        if (tasks >= pool.size()) {
            // Enough blocks for every worker: each runs whole blocks, its panels and products in its own scratch.
            pool.forEach(tasks, (worker, task) -> {
                Block block = Block.of(problem, task / blocks, task % blocks);
                MemorySegment v = scratch[worker].get(Scratch.Role.TRANSFORMED_INPUT, inputPanelFloats);
                Workspace ws = workspaces[worker];
                ws.transformInput(v, InputLayout.panels(problem), in, problem, st.input(), block, 0, problem.inChannels());
                ws.multiplyAndTransformOutput(out, bias, relu, u, v, scratch[worker].get(Scratch.Role.PRODUCTS, productFloats),
                        scratch[worker].get(Scratch.Role.TILE, GemmKernels.TILE_FLOATS), problem, st, block, 0, problem.outChannels());
            });
            return;
        }
        // Fewer blocks than workers: each block's input channels, then its output channels, are split among them.
        MemorySegment v = scratch[0].get(Scratch.Role.TRANSFORMED_INPUT, inputPanelFloats);
        int workers = pool.size(), channelChunk = Gemm.ceilDiv(problem.inChannels(), workers);
        int filterChunk = Gemm.ceilDiv(Gemm.ceilDiv(problem.outChannels(), MR), workers) * MR;
        for (int task = 0; task < tasks; task++) {
            Block block = Block.of(problem, task / blocks, task % blocks);
            pool.forEach(Gemm.ceilDiv(problem.inChannels(), channelChunk), (worker, i) -> workspaces[worker].transformInput(v, InputLayout.panels(problem), in,
                    problem, st.input(), block,
                    i * channelChunk, Math.min(problem.inChannels(), (i + 1) * channelChunk)));
            pool.forEach(Gemm.ceilDiv(problem.outChannels(), filterChunk), (worker, i) -> workspaces[worker].multiplyAndTransformOutput(out, bias, relu, u, v,
                    scratch[worker].get(Scratch.Role.PRODUCTS, productFloats), scratch[worker].get(Scratch.Role.TILE, GemmKernels.TILE_FLOATS), problem, st,
                    block, i * filterChunk, Math.min(problem.outChannels(), (i + 1) * filterChunk)));
        }
    }

    /**
     * Where V goes: float index of (point xi, channel c, tile t) = xi * pointStride + c * channelStride + (t / NR)
     * * panelStride + t % NR, tile t counted from the block's first.
     */
    record InputLayout(long pointStride, long channelStride, long panelStride) {
        /** The forward's: packed GEMM B panels of NR tiles, channel rows, BLOCK_PANELS panels per point. */
        static InputLayout panels(Problem problem) {
            return new InputLayout((long) BLOCK_PANELS * problem.inChannels() * NR, NR, (long) problem.inChannels() * NR);
        }

        /** Row-major channels x tiles per point, tiles rounded up to vectors (a GEMM's A read in place). */
        static InputLayout rows(Problem problem, int tiles) {
            long row = (long) Gemm.ceilDiv(tiles, LANES) * LANES;
            return new InputLayout(problem.inChannels() * row, row, NR);
        }

        long of(int xi, int c, int t) { return xi * pointStride + c * channelStride + (long) (t / NR) * panelStride + t % NR; }
    }

    /** Tiles [first, end) of one group (at most BLOCK_TILES for the forward's blocks). */
    record Block(int group, long first, long end) {
        static Block of(Problem problem, int group, int index) {
            long first = (long) index * BLOCK_TILES;
            return new Block(group, first, Math.min(problem.tiles(), first + BLOCK_TILES));
        }
        int count() { return (int) (end - first); }
        int firstImage(Problem problem) { return (int) (first / problem.tilesPerImage()); }
        int lastImage(Problem problem) { return (int) ((end - 1) / problem.tilesPerImage()); }
    }

    // ---- the transformed filters -------------------------------------------------------------

    /**
     * U for w in panels of {@code width} rows (MR: the GEMM's A, {@link Gemm.PackedA}; NR: its packed B, the output
     * channels as columns), from the cache while w's contents equal the snapshot U was made from, else transformed anew.
     */
    MemorySegment transformedFilters(MemorySegment w, Problem problem, Stages st, int width) {
        TransformedFilters kind = new TransformedFilters(problem.direction(), problem.groups(), problem.inChannels(), problem.outChannels(), problem.r(),
                problem.m(), width);
        return filters.get(kind, w, problem.filterFloats(width), into -> transformFilters(into, w, problem, st, width));
    }

    /**
     * U = (G f G^T)[xi] of every filter f of the problem, per group and point xi an outChannels x inChannels
     * matrix in panels of {@code width} rows, each depth columns of width floats where {@link #filterPanel} places it:
     * for the forward f = w[row][depth], for backward-data f = w[depth][row] rotated by 180 degrees. Vectors run
     * over depth, LANES filters transformed at once; each task builds one panel for every point on the heap, then copies it out.
     */
    private void transformFilters(MemorySegment u, MemorySegment w, Problem problem, Stages st, int width) {
        int r = problem.r(), taps = r * r, alpha2 = problem.alpha() * problem.alpha(), rows = problem.outChannels(), depth = problem.inChannels();
        boolean forward = problem.direction() == Direction.FORWARD;
        // forward: w is (rows, depth, r, r); backward-data: w is (depth, rows, r, r)
        int rowStride = forward ? depth * taps : taps, depthStride = forward ? taps : rows * taps;
        // slack past the end for the lanes past the last filter, which are gathered (whatever the slack holds) but never stored
        int floats = Math.toIntExact(w.byteSize() / Float.BYTES);
        if (weightCopy.length < floats + LANES * depthStride) weightCopy = new float[floats + LANES * depthStride];
        float[] weights = weightCopy;
        MemorySegment.copy(w, Loops.FLOAT, 0, weights, 0, floats);
        int[] gatherLanes = new int[LANES], panelLanes = new int[LANES];
        for (int i = 0; i < LANES; i++) {
            gatherLanes[i] = i * depthStride;
            panelLanes[i] = i * width;
        }
        int panels = Gemm.ceilDiv(rows, width), panelFloats = width * depth;
        pool.forEach(problem.groups() * panels, (worker, task) -> {
            Workspace ws = workspaces[worker].sized(problem);
            if (ws.panel.length < alpha2 * panelFloats + LANES * width) ws.panel = new float[alpha2 * panelFloats + LANES * width];
            int group = task / panels, firstRow = task % panels * width;
            for (int row = firstRow; row < Math.min(rows, firstRow + width); row++) {
                int base = group * rows * depth * taps + row * rowStride;
                for (int d = 0; d < depth; d += LANES) {
                    for (int a = 0; a < r; a++) {
                        for (int b = 0; b < r; b++) {
                            int tap = forward ? a * r + b : (r - 1 - a) * r + (r - 1 - b);
                            FloatVector.fromArray(SPECIES, weights, base + d * depthStride + tap, gatherLanes, 0).intoArray(ws.cells, (a * r + b) * LANES);
                        }
                    }
                    st.filter().apply2d(ws.cells, ws.work, ws.transformed);
                    // the panel buffer has LANES * width floats of slack, so even the index of a lane past depth is in range
                    VectorMask<Float> valid = SPECIES.indexInRange(d, depth);
                    for (int xi = 0; xi < alpha2; xi++) {
                        FloatVector.fromArray(SPECIES, ws.transformed, xi * LANES).intoArray(ws.panel, xi * panelFloats + d * width + row - firstRow, panelLanes, 0, valid);
                    }
                }
            }
            for (int xi = 0; xi < alpha2; xi++) {
                MemorySegment.copy(ws.panel, xi * panelFloats, u, Loops.FLOAT, filterPanel(problem, group, xi, firstRow, width) * Float.BYTES, panelFloats);
            }
        });
    }

    /** The float index in U of MR-row panels (point by point) of (group, point xi, row 0, depth 0). */
    private static long filterOrigin(Problem problem, int group, int xi) {
        return ((long) group * problem.alpha() * problem.alpha() + xi) * problem.pointFloats(MR);
    }

    /**
     * The float index in U of the panel of {@code width} rows from {@code firstRow} at point xi: MR panels point by
     * point (the GEMM's A, a point's panels together), NR panels panel by panel (the tile-rows GEMM's B: a panel's
     * points together, in the order it streams them).
     */
    static long filterPanel(Problem problem, int group, int xi, int firstRow, int width) {
        if (width == MR) return filterOrigin(problem, group, xi) + (long) firstRow * problem.inChannels();
        long panels = Gemm.ceilDiv(problem.outChannels(), width), alpha2 = (long) problem.alpha() * problem.alpha();
        return ((group * panels + firstRow / width) * alpha2 + xi) * width * problem.inChannels();
    }

    // ---- one worker's blocks -----------------------------------------------------------------

    /** One worker's heap buffers: the block's padded input planes and output planes, tile offsets, transform cells. */
    static final class Workspace {
        float[] input = new float[0], output = new float[0], cells = new float[0], work = new float[0], transformed = new float[0], panel = new float[0];
        int[] inputTiles = new int[BLOCK_TILES + LANES], outputTiles = new int[BLOCK_TILES + LANES];

        /** Grows the cells to the problem's alpha x alpha. */
        Workspace sized(Problem problem) {
            int cellFloats = problem.alpha() * problem.alpha() * LANES;
            if (cells.length < cellFloats) {
                cells = new float[cellFloats];
                work = new float[cellFloats];
                transformed = new float[cellFloats];
            }
            return this;
        }

        /**
         * For each input channel in [c0, c1): copies the channel's planes of the images the block touches into
         * zero-padded heap planes (small enough for L1), then writes the block's tiles' V = B^T d B into v as
         * {@code layout} places them.
         */
        void transformInput(MemorySegment v, InputLayout layout, MemorySegment in, Problem problem, WinogradStage inputStage, Block block, int c0, int c1) {
            sized(problem);
            int hp = problem.paddedH(), wp = problem.paddedW(), plane = hp * wp, alpha = problem.alpha(), alpha2 = alpha * alpha, m = problem.m();
            int firstImage = block.firstImage(problem), images = block.lastImage(problem) - firstImage + 1, channels = problem.inChannels();
            if (input.length < images * plane + LANES) input = new float[images * plane + LANES];
            int tilesX = problem.tilesX(), perImage = problem.tilesPerImage(), groups = Gemm.ceilDiv(block.count(), LANES);
            if (inputTiles.length < groups * LANES) inputTiles = new int[groups * LANES];
            for (int t = 0; t < groups * LANES; t++) {
                long tile = block.first() + t;
                if (t >= block.count()) {
                    inputTiles[t] = 0;
                    continue;
                }
                int local = (int) (tile % perImage);
                inputTiles[t] = (int) (tile / perImage - firstImage) * plane + (local / tilesX) * m * wp + (local % tilesX) * m;
            }
            for (int c = c0; c < c1; c++) {
                Arrays.fill(input, 0, images * plane, 0f);
                for (int image = 0; image < images; image++) {
                    long from = ((long) ((firstImage + image) * problem.groups() + block.group()) * channels + c) * problem.h() * problem.w();
                    for (int y = 0; y < problem.h(); y++) {
                        copyRow(in, from + (long) y * problem.w(), input, image * plane + (y + problem.pad()) * wp + problem.pad(), problem.w());
                    }
                }
                for (int lane = 0; lane < groups; lane++) {
                    for (int a = 0; a < alpha; a++) {
                        for (int b = 0; b < alpha; b++) {
                            FloatVector.fromArray(SPECIES, input, a * wp + b, inputTiles, lane * LANES).intoArray(cells, (a * alpha + b) * LANES);
                        }
                    }
                    inputStage.apply2d(cells, work, transformed);
                    long at = layout.of(0, c, lane * LANES);
                    for (int xi = 0; xi < alpha2; xi++, at += layout.pointStride()) {
                        FloatVector.fromArray(SPECIES, transformed, xi * LANES).intoMemorySegment(v, at * Float.BYTES, ORDER);
                    }
                }
            }
        }

        /**
         * For output channels [k0, k1), in blocks of FILTER_BLOCK: M_xi = U_xi V_xi for every point (products:
         * channel k - kb, point xi, tile t at ((k - kb) * alpha^2 + xi) * BLOCK_TILES + t, a channel's points
         * together for the output transform), then each channel's tiles
         * Y = A^T M A + bias, ReLU when asked, into the output planes and out to {@code out}.
         */
        void multiplyAndTransformOutput(MemorySegment out, MemorySegment bias, boolean relu, MemorySegment u, MemorySegment v, MemorySegment products,
                                        MemorySegment tile, Problem problem, Stages st, Block block, int k0, int k1) {
            sized(problem);
            int alpha2 = problem.alpha() * problem.alpha(), depth = problem.inChannels(), m = problem.m();
            int lanesUsed = Gemm.ceilDiv(block.count(), LANES), panelsUsed = Gemm.ceilDiv(block.count(), NR);
            Matrix filters = new Matrix(u, 0, 1, MR), result = Matrix.rowMajor(products, 0, (long) alpha2 * BLOCK_TILES);
            int pm = problem.tilesY() * m, qm = problem.tilesX() * m, firstImage = block.firstImage(problem), images = block.lastImage(problem) - firstImage + 1;
            int size = Math.toIntExact(problem.outputFloats()) + LANES;
            if (output.length < size) output = new float[size];
            int perImage = problem.tilesPerImage(), tilesX = problem.tilesX();
            for (int t = 0; t < BLOCK_TILES; t++) {
                long index = block.first() + t;
                if (t >= block.count()) {
                    outputTiles[t] = images * pm * qm; // the spare plane
                    continue;
                }
                int image = (int) (index / perImage), local = (int) (index % perImage);
                outputTiles[t] = (image - firstImage) * pm * qm + (local / tilesX) * m * qm + (local % tilesX) * m;
            }
            for (int kb = k0; kb < k1; kb += FILTER_BLOCK) {
                int kEnd = Math.min(k1, kb + FILTER_BLOCK);
                for (int xi = 0; xi < alpha2; xi++) {
                    long origin = filterOrigin(problem, block.group(), xi);
                    for (int panel = 0; panel < panelsUsed; panel++) {
                        long panelAt = ((long) xi * BLOCK_PANELS + panel) * depth * NR;
                        for (int f = kb; f < kEnd; f += MR) {
                            GemmKernels.kernel(filters, origin + (long) f * depth, Math.min(MR, kEnd - f), v, panelAt, depth,
                                    result, ((long) (f - kb) * alpha2 + xi) * BLOCK_TILES + (long) panel * NR, NR, false, tile, Gemm.Epilogue.NONE, 0);
                        }
                    }
                }
                for (int k = kb; k < kEnd; k++) {
                    int channel = block.group() * problem.outChannels() + k;
                    float shift = bias == null ? 0f : Loops.get(bias, channel);
                    for (int lane = 0; lane < lanesUsed; lane++) {
                        for (int xi = 0; xi < alpha2; xi++) {
                            long at = ((long) (k - kb) * alpha2 + xi) * BLOCK_TILES + (long) lane * LANES;
                            FloatVector.fromMemorySegment(SPECIES, products, at * Float.BYTES, ORDER).intoArray(cells, xi * LANES);
                        }
                        st.output().apply2d(cells, work, transformed);
                        for (int a = 0; a < m; a++) {
                            for (int b = 0; b < m; b++) {
                                FloatVector y = FloatVector.fromArray(SPECIES, transformed, (a * m + b) * LANES);
                                if (bias != null) y = y.add(shift);
                                if (relu) y = y.max(0f);
                                y.intoArray(output, a * qm + b, outputTiles, lane * LANES);
                            }
                        }
                    }
                    copyOut(out, channel, 0, problem, block, firstImage, pm, qm);
                }
            }
        }

        /**
         * Copies the block's tiles of one output channel (of the whole layer) from its output planes, which start at
         * {@code from} in the heap output (one pm x qm plane per image of the block), to out, row by row.
         */
        void copyOut(MemorySegment out, int channel, int from, Problem problem, Block block, int firstImage, int pm, int qm) {
            int perImage = problem.tilesPerImage(), tilesX = problem.tilesX(), m = problem.m();
            for (int image = firstImage; image <= block.lastImage(problem); image++) {
                long imageFirst = (long) image * perImage;
                int s = (int) (Math.max(block.first(), imageFirst) - imageFirst), e = (int) (Math.min(block.end(), imageFirst + perImage) - imageFirst);
                long plane = ((long) image * problem.groups() * problem.outChannels() + channel) * problem.p() * problem.q();
                for (int ty = s / tilesX; ty <= (e - 1) / tilesX; ty++) {
                    int j0 = ty == s / tilesX ? s % tilesX : 0, j1 = ty == (e - 1) / tilesX ? (e - 1) % tilesX + 1 : tilesX;
                    int x0 = j0 * m, x1 = Math.min(problem.q(), j1 * m);
                    for (int y = ty * m; y < Math.min(problem.p(), ty * m + m); y++) {
                        copyRow(output, from + (image - firstImage) * pm * qm + y * qm + x0, out, plane + (long) y * problem.q() + x0, x1 - x0);
                    }
                }
            }
        }
    }

    /**
     * Short rows between the heap planes and the tensors, as (masked) vectors: a bulk copy call per row of 13
     * floats costs several times more. Offsets in floats; the heap arrays keep a vector of slack past their planes.
     */
    private static void copyRow(MemorySegment from, long fromIndex, float[] to, int toIndex, int n) {
        for (int i = 0; i < n; i += LANES) {
            VectorMask<Float> valid = SPECIES.indexInRange(i, n);
            FloatVector.fromMemorySegment(SPECIES, from, (fromIndex + i) * Float.BYTES, ORDER, valid).intoArray(to, toIndex + i, valid);
        }
    }

    private static void copyRow(float[] from, int fromIndex, MemorySegment to, long toIndex, int n) {
        for (int i = 0; i < n; i += LANES) {
            VectorMask<Float> valid = SPECIES.indexInRange(i, n);
            FloatVector.fromArray(SPECIES, from, fromIndex + i, valid).intoMemorySegment(to, (toIndex + i) * Float.BYTES, ORDER, valid);
        }
    }
}
