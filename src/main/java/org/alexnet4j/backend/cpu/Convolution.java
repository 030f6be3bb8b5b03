package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.tensor.Shape;

/**
 * Convolution forward, backward-data and backward-filter as GEMMs per image and group over the im2col
 * matrix (C/groups*R*S x P*Q): forward y_g = w_g * columns (+ bias, then ReLU when fused, in the GEMM's
 * store), backward-data columns = w_g^T * dy_g then col2im, backward-filter dw_g += dy_g * columns^T.
 *
 * <p>With the Vector API the filters are packed once per weight version ({@link FilterCache}), and the columns
 * reach the GEMM in one of two {@link Lowering lowerings} that give bit-identical results: written out by im2col and packed from there,
 * or gathered straight into the packed panels ({@link ImplicitColumns}); the forward has a third, direct
 * convolution without columns ({@link DirectConvolution}). Which one runs is measured per layer shape and
 * direction ({@link LoweringChoice}). Work is split over images when the batch covers the
 * workers (each GEMM serial; backward-filter sums fixed image blocks), else inside each GEMM. Forward and
 * backward-data of the shapes {@link Winograd#tile} picks under the algorithm setting run by {@link Winograd}
 * instead, and so does the filter gradient ({@link WinogradFilterGradient}); a strided layer whose phases it picks
 * ({@link PhaseSplit}: conv1) runs its forward, and under WINOGRAD its filter gradient, as its phase problem's
 * ({@link #phasedTile}; a fixed rule on the shape: the same layer always takes the same algorithm).
 */
final class Convolution {
    /** Images per block of the filter gradient's sum: the blocks, and so the order of the sum, depend on the batch size only. */
    static final int FILTER_BLOCK_IMAGES = 4;
    private static final boolean VECTOR = CpuConfig.VECTOR;

    /** How the column matrix reaches the GEMM. */
    enum Lowering {
        /** im2col writes the matrix to scratch, GEMM packs its panels from there. */
        IM2COL,
        /** GEMM gathers its panels from a padded copy of the input (implicit GEMM). */
        IMPLICIT,
        /** Forward only: a direct convolution over a padded, stride-phase-split copy of the input. */
        DIRECT
    }

    private final WorkerPool pool;
    private final Scratch[] scratch;
    private final Gemm gemm;
    private final ImplicitColumns[] implicit;
    private final DirectConvolution[] direct;
    private final LoweringChoice choice;
    private final CpuOptions.ConvolutionAlgorithm algorithm;
    private final FilterCache filters = new FilterCache();
    private final Winograd winograd;
    private final WinogradFilterGradient winogradFilter;

    Convolution(WorkerPool pool, Scratch[] scratch, Gemm gemm, LoweringChoice choice, CpuOptions.ConvolutionAlgorithm algorithm) {
        this.pool = pool;
        this.scratch = scratch;
        this.gemm = gemm;
        this.choice = choice;
        this.algorithm = algorithm;
        this.winograd = VECTOR ? new Winograd(pool, scratch, filters) : null;
        this.winogradFilter = VECTOR ? new WinogradFilterGradient(pool, scratch, winograd) : null;
        this.implicit = new ImplicitColumns[scratch.length];
        this.direct = new DirectConvolution[scratch.length];
        if (VECTOR) {
            for (int i = 0; i < implicit.length; i++) {
                implicit[i] = new ImplicitColumns();
                direct[i] = new DirectConvolution();
            }
        }
    }

    /** Whether the lowering of a shape met so far is still being measured. */
    boolean tuning() { return choice.open(); }

    /** Frees the kept filters (packed and transformed). */
    void close() { filters.close(); }

    /** How many shape-and-direction lowering choices are made. */
    int settledLoweringChoices() { return choice.settled(); }

    /** The sizes of one convolution; per-group sizes are derived. */
    record Geometry(int n, int c, int h, int w, int k, int r, int s, int p, int q, ConvSpec spec) {
        static Geometry of(Shape x, Shape w, ConvSpec spec) {
            Shape y = spec.outputShape(x, w);
            return new Geometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), y.dim(2), y.dim(3), spec);
        }
        int groups() { return spec.groups(); }
        int channelsPerGroup() { return c / spec.groups(); }
        int filtersPerGroup() { return k / spec.groups(); }
        /** Rows of the column matrix: C/groups * R * S. */
        int columnRows() { return channelsPerGroup() * r * s; }
        int outputPixels() { return p * q; }
        long columnFloats() { return (long) columnRows() * outputPixels(); }
        /** Float index of the first input channel of group g in image n. */
        long inputOffset(int image, int g) { return ((long) image * c + (long) g * channelsPerGroup()) * h * w; }
        /** Float index of the first output channel of group g in image n. */
        long outputOffset(int image, int g) { return ((long) image * k + (long) g * filtersPerGroup()) * p * q; }
        /** Float index of group g's first filter. */
        long filterOffset(int g) { return (long) g * filtersPerGroup() * columnRows(); }
        /**
         * Whether one image's group, zero-padded, fits a Java array with a vector of slack: the heap copy of
         * the implicit and direct lowerings. Larger inputs always take im2col.
         */
        boolean fitsHeapCopy() {
            long hp = h + 2L * spec.padH(), wp = w + 2L * spec.padW(), sw = spec.strideW();
            long padded = channelsPerGroup() * hp * wp, phased = channelsPerGroup() * hp * sw * ((wp + sw - 1) / sw);
            return Math.max(padded, phased) + columnRows() + outputPixels() < Integer.MAX_VALUE - 64;
        }
        /** This geometry at batch 1: the key under which a lowering is chosen. */
        Geometry perImage() { return new Geometry(1, c, h, w, k, r, s, p, q, spec); }
    }

    private boolean overImages(Geometry g) { return pool.size() > 1 && g.n() >= pool.size(); }

    /** Runs {@code body} for every image: one image per task when the batch covers the workers, else in order with the pool inside. */
    private void eachImage(Geometry g, ImageBody body) {
        if (overImages(g)) pool.forEach(g.n(), (worker, image) -> body.run(null, worker, image));
        else for (int image = 0; image < g.n(); image++) body.run(pool, 0, image);
    }

    private interface ImageBody { void run(WorkerPool gemmPool, int worker, int image); }

    /** What a packed filter set in the {@link FilterCache} is: g's filters, transposed for backward-data. */
    private record PackedFilters(int k, int channelsPerGroup, int r, int s, int groups, boolean transposed) {}

    /** What a phase filter set in the {@link FilterCache} is: the stride phases of g's square filters ({@link PhaseSplit}). */
    private record PhaseFilters(int k, int channelsPerGroup, int r, int stride) {}

    /**
     * Each group's filters as a packed GEMM operand: w_g (K/groups x C/groups*R*S), transposed for backward-data;
     * kept while w is unchanged ({@link FilterCache}).
     */
    private Gemm.PackedA[] packFilters(MemorySegment w, Geometry g, boolean transposed) {
        int kg = g.filtersPerGroup(), crs = g.columnRows();
        int rows = transposed ? crs : kg, depth = transposed ? kg : crs;
        long each = Gemm.PackedA.floats(rows, depth);
        MemorySegment all = filters.get(new PackedFilters(g.k(), g.channelsPerGroup(), g.r(), g.s(), g.groups(), transposed), w, each * g.groups(), into -> {
            for (int group = 0; group < g.groups(); group++) {
                Matrix f = Matrix.rowMajor(w, g.filterOffset(group), crs);
                Gemm.PackedA.pack(pool, transposed ? f.transposed() : f, rows, depth, into.asSlice(group * each * Float.BYTES, each * Float.BYTES));
            }
        });
        Gemm.PackedA[] packed = new Gemm.PackedA[g.groups()];
        for (int group = 0; group < g.groups(); group++) packed[group] = new Gemm.PackedA(all.asSlice(group * each * Float.BYTES, each * Float.BYTES), rows, depth);
        return packed;
    }

    /**
     * The Winograd tile side for a strided layer's stride-phase problem ({@link PhaseSplit#phased}, null where the
     * layer has none), or 0. FAST takes the forward by phases but not the filter gradient: for conv1 at batch 64 that
     * measured no faster than the GEMM family (bench/RESULTS.md), which is also exact; WINOGRAD takes both.
     */
    static int phasedTile(Geometry phased, Winograd.Direction direction, CpuOptions.ConvolutionAlgorithm algorithm) {
        if (phased == null || direction == Winograd.Direction.FILTER && algorithm == CpuOptions.ConvolutionAlgorithm.FAST) return 0;
        return Winograd.tile(phased, direction, algorithm);
    }

    /** y = conv(x, w) + bias, then max(y, 0) when {@code relu}. */
    void forward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment bias, Geometry g, boolean relu) {
        if (!VECTOR) {
            eachImage(g, (gemmPool, worker, image) -> scalarForwardImage(gemmPool, worker, y, x, w, bias, g, image, relu));
            return;
        }
        int tile = Winograd.tile(g, Winograd.Direction.FORWARD, algorithm);
        if (tile > 0) {
            winograd.run(y, x, w, bias, relu, Winograd.Problem.of(g, Winograd.Direction.FORWARD, tile));
            return;
        }
        Geometry phased = PhaseSplit.phased(g);
        int phasedTile = phasedTile(phased, Winograd.Direction.FORWARD, algorithm);
        if (phasedTile > 0) {
            MemorySegment xp = phaseImages(x, g, phased);
            // kept while w is unchanged, as packed filters are; Winograd then keeps their transform while they are
            MemorySegment wp = filters.get(new PhaseFilters(g.k(), g.channelsPerGroup(), g.r(), g.spec().strideH()), w,
                    (long) phased.k() * phased.columnRows(), into -> PhaseSplit.splitFilters(into, w, g, phased));
            winograd.run(y, xp, wp, bias, relu, Winograd.Problem.of(phased, Winograd.Direction.FORWARD, phasedTile));
            return;
        }
        Gemm.PackedA[] filters = packFilters(w, g, false);
        LoweringChoice.Pick pick = choice.pick(g, LoweringChoice.Direction.FORWARD);
        if (pick.lowering() == Lowering.DIRECT) directForward(y, x, filters, bias, g, relu);
        else gemmForward(y, x, filters, bias, g, relu, pick.lowering());
        pick.done();
    }

    /** The phase images of x for the phase problem {@code phased} of g ({@link PhaseSplit}), in scratch. */
    private MemorySegment phaseImages(MemorySegment x, Geometry g, Geometry phased) {
        MemorySegment xp = scratch[0].get(Scratch.Role.PHASES, (long) phased.n() * phased.c() * phased.h() * phased.w());
        PhaseSplit.splitInput(pool, xp, x, g, phased);
        return xp;
    }

    /** The forward as a GEMM per image and group, its columns by {@code lowering} (im2col or implicit). */
    private void gemmForward(MemorySegment y, MemorySegment x, Gemm.PackedA[] filters, MemorySegment bias, Geometry g, boolean relu, Lowering lowering) {
        ImplicitColumns.Offsets offsets = lowering == Lowering.IMPLICIT ? ImplicitColumns.Offsets.of(g) : null;
        eachImage(g, (gemmPool, worker, image) -> {
            int pq = g.outputPixels(), kg = g.filtersPerGroup();
            for (int group = 0; group < g.groups(); group++) {
                Gemm.PanelSource columns = columnSource(lowering, worker, x, g.inputOffset(image, group), g, offsets);
                gemm.multiply(gemmPool, worker, pq, filters[group], columns, Matrix.rowMajor(y, g.outputOffset(image, group), pq), false,
                        new Gemm.Epilogue(bias, (long) group * kg, relu));
            }
        });
    }

    /** The forward by {@link DirectConvolution}: over images, or over each image's output rows when the batch does not cover the workers. */
    private void directForward(MemorySegment y, MemorySegment x, Gemm.PackedA[] filters, MemorySegment bias, Geometry g, boolean relu) {
        DirectConvolution.Layout layout = DirectConvolution.Layout.of(g);
        eachImage(g, (rowPool, worker, image) -> {
            DirectConvolution conv = direct[worker];
            for (int group = 0; group < g.groups(); group++) {
                conv.load(x, g.inputOffset(image, group), g, layout);
                Gemm.PackedA f = filters[group];
                Gemm.Epilogue epilogue = new Gemm.Epilogue(bias, (long) group * g.filtersPerGroup(), relu);
                long out = g.outputOffset(image, group);
                if (rowPool == null) {
                    conv.forward(f, g, layout, gemm.depthBlock(g.columnRows()), 0, g.p(), y, out, epilogue, scratch[worker].get(Scratch.Role.TILE, 2 * GemmKernels.TILE_FLOATS));
                } else {
                    rowPool.forEach(g.p(), (w, p) -> conv.forward(f, g, layout, gemm.depthBlock(g.columnRows()), p, p + 1, y, out, epilogue, scratch[w].get(Scratch.Role.TILE, 2 * GemmKernels.TILE_FLOATS)));
                }
            }
        });
    }

    /** The column matrix of one image and group as GEMM panels, by the given lowering. */
    private Gemm.PanelSource columnSource(Lowering lowering, int worker, MemorySegment x, long xOff, Geometry g, ImplicitColumns.Offsets offsets) {
        if (lowering == Lowering.IMPLICIT) {
            implicit[worker].load(x, xOff, g, offsets);
            return implicit[worker].columns(offsets);
        }
        MemorySegment columns = scratch[worker].get(Scratch.Role.COLUMNS, g.columnFloats());
        im2col(columns, x, xOff, g);
        return Gemm.panels(Matrix.rowMajor(columns, 0, g.outputPixels()));
    }

    /** The scalar fallback: im2col, a plain GEMM, then bias and ReLU passes. */
    private void scalarForwardImage(WorkerPool gemmPool, int worker, MemorySegment y, MemorySegment x, MemorySegment w,
                                    MemorySegment bias, Geometry g, int image, boolean relu) {
        MemorySegment columns = scratch[worker].get(Scratch.Role.COLUMNS, g.columnFloats());
        int pq = g.outputPixels(), crs = g.columnRows(), kg = g.filtersPerGroup();
        for (int group = 0; group < g.groups(); group++) {
            im2col(columns, x, g.inputOffset(image, group), g);
            long out = g.outputOffset(image, group);
            gemm.multiply(gemmPool, worker, kg, pq, crs, Matrix.rowMajor(w, g.filterOffset(group), crs),
                    Matrix.rowMajor(columns, 0, pq), Matrix.rowMajor(y, out, pq), false);
            for (int f = 0; f < kg; f++) {
                long row = out + (long) f * pq;
                if (bias != null) Loops.addScalar(y, row, pq, Loops.get(bias, (long) group * kg + f));
                if (relu) Loops.relu(y, row, y, row, pq);
            }
        }
    }

    void backwardData(MemorySegment dx, MemorySegment dy, MemorySegment w, Geometry g) {
        int tile = VECTOR ? Winograd.tile(g, Winograd.Direction.DATA, algorithm) : 0;
        if (tile > 0) {
            winograd.run(dx, dy, w, null, false, Winograd.Problem.of(g, Winograd.Direction.DATA, tile));
            return;
        }
        Gemm.PackedA[] filters = VECTOR ? packFilters(w, g, true) : null;
        eachImage(g, (gemmPool, worker, image) -> {
            MemorySegment columns = scratch[worker].get(Scratch.Role.COLUMNS, g.columnFloats());
            int pq = g.outputPixels(), crs = g.columnRows(), kg = g.filtersPerGroup();
            for (int group = 0; group < g.groups(); group++) {
                Matrix gradient = Matrix.rowMajor(dy, g.outputOffset(image, group), pq), out = Matrix.rowMajor(columns, 0, pq);
                if (VECTOR) {
                    gemm.multiply(gemmPool, worker, pq, filters[group], Gemm.panels(gradient), out, false, Gemm.Epilogue.NONE);
                } else {
                    gemm.multiply(gemmPool, worker, crs, pq, kg, Matrix.rowMajor(w, g.filterOffset(group), crs).transposed(), gradient, out, false);
                }
                long in = g.inputOffset(image, group);
                Loops.fill(dx, in, (long) g.channelsPerGroup() * g.h() * g.w(), 0f);
                col2im(dx, in, columns, g);
            }
        });
    }

    /**
     * dw += gradient over the whole batch, summed in a fixed order that depends on the shape only. Where
     * {@link Winograd#tile} takes the layer (directly, or by its stride phases ({@link #phasedTile}), folded back
     * onto its taps), by {@link WinogradFilterGradient} with its own image blocks; else by the GEMM family: the images in blocks of
     * {@link #FILTER_BLOCK_IMAGES}, each block summed from zero in image order, the block sums added to dw in block
     * order. Blocks run in waves of up to two per worker, one accumulator each (a lone block splits its products
     * over the workers instead), so any thread count gives the same bits.
     */
    void backwardFilter(MemorySegment dw, MemorySegment dy, MemorySegment x, Geometry g) {
        int tile = VECTOR ? Winograd.tile(g, Winograd.Direction.FILTER, algorithm) : 0;
        if (tile > 0) {
            winogradFilter.run(dw, dy, x, Winograd.Problem.of(g, Winograd.Direction.FILTER, tile));
            return;
        }
        Geometry phased = VECTOR ? PhaseSplit.phased(g) : null;
        int phasedTile = phasedTile(phased, Winograd.Direction.FILTER, algorithm);
        if (phasedTile > 0) {
            MemorySegment xp = phaseImages(x, g, phased);
            long floats = (long) phased.k() * phased.columnRows();
            MemorySegment dwp = scratch[0].get(Scratch.Role.PHASE_FILTER_GRADIENT, floats).asSlice(0, floats * Float.BYTES);
            dwp.fill((byte) 0);
            winogradFilter.run(dwp, dy, xp, Winograd.Problem.of(phased, Winograd.Direction.FILTER, phasedTile));
            PhaseSplit.foldFilterGradient(dw, dwp, g, phased);
            return;
        }
        LoweringChoice.Pick pick = VECTOR ? choice.pick(g, LoweringChoice.Direction.FILTER) : null;
        Lowering lowering = VECTOR ? pick.lowering() : Lowering.IM2COL;
        ImplicitColumns.Offsets offsets = lowering == Lowering.IMPLICIT ? ImplicitColumns.Offsets.of(g) : null;
        long filterFloats = (long) g.k() * g.columnRows();
        int blocks = Gemm.ceilDiv(g.n(), FILTER_BLOCK_IMAGES), wave = Math.min(blocks, 2 * pool.size());
        MemorySegment[] accumulators = new MemorySegment[wave];
        for (int i = 0; i < wave; i++) {
            MemorySegment region = scratch[i % scratch.length].get(Scratch.Role.ACCUMULATOR, (wave + scratch.length - 1) / scratch.length * filterFloats);
            accumulators[i] = region.asSlice((i / scratch.length) * filterFloats * Float.BYTES, filterFloats * Float.BYTES);
        }
        for (int first = 0; first < blocks; first += wave) {
            int count = Math.min(wave, blocks - first), firstBlock = first;
            if (count == 1) {
                backwardFilterBlock(pool, 0, accumulators[0], dy, x, g, firstBlock, lowering, offsets);
            } else {
                pool.forEach(count, (worker, i) -> backwardFilterBlock(null, worker, accumulators[i], dy, x, g, firstBlock + i, lowering, offsets));
            }
            int chunks = pool.size() * 4;
            long chunk = (filterFloats + chunks - 1) / chunks;
            pool.forEach(chunks, (worker, t) -> {
                long from = t * chunk, length = Math.min(filterFloats, from + chunk) - from;
                for (int i = 0; i < count && length > 0; i++) Loops.add(dw, from, accumulators[i], from, length);
            });
        }
        if (pick != null) pick.done();
    }

    /** accumulator = the filter gradient of block {@code block}'s images, summed from zero in image order. */
    private void backwardFilterBlock(WorkerPool gemmPool, int worker, MemorySegment accumulator, MemorySegment dy, MemorySegment x,
                                     Geometry g, int block, Lowering lowering, ImplicitColumns.Offsets offsets) {
        int first = block * FILTER_BLOCK_IMAGES, end = Math.min(g.n(), first + FILTER_BLOCK_IMAGES);
        for (int image = first; image < end; image++) {
            backwardFilterImage(gemmPool, worker, accumulator, dy, x, g, image, image > first, lowering, offsets);
        }
    }

    /** dw (=|+=) one image's filter gradient. */
    private void backwardFilterImage(WorkerPool gemmPool, int worker, MemorySegment dw, MemorySegment dy, MemorySegment x,
                                     Geometry g, int image, boolean accumulate, Lowering lowering, ImplicitColumns.Offsets offsets) {
        int pq = g.outputPixels(), crs = g.columnRows(), kg = g.filtersPerGroup();
        for (int group = 0; group < g.groups(); group++) {
            Matrix gradient = Matrix.rowMajor(dy, g.outputOffset(image, group), pq), out = Matrix.rowMajor(dw, g.filterOffset(group), crs);
            long in = g.inputOffset(image, group);
            if (lowering == Lowering.IMPLICIT) {
                implicit[worker].load(x, in, g, offsets);
                gemm.multiply(gemmPool, worker, kg, crs, pq, gradient, implicit[worker].transposed(offsets), out, accumulate);
                continue;
            }
            MemorySegment columns = scratch[worker].get(Scratch.Role.COLUMNS, g.columnFloats());
            im2col(columns, x, in, g);
            gemm.multiply(gemmPool, worker, kg, crs, pq, gradient, Matrix.rowMajor(columns, 0, pq).transposed(), out, accumulate);
        }
    }

    /** The output columns [first, end) whose input column q*strideW + s - padW lies inside [0, W). */
    private static int firstColumn(int s, Geometry g) {
        int shift = g.spec().padW() - s, stride = g.spec().strideW();
        return Math.min(g.q(), shift <= 0 ? 0 : (shift + stride - 1) / stride);
    }

    private static int endColumn(int s, Geometry g) {
        int last = g.w() - 1 + g.spec().padW() - s;
        return last < 0 ? 0 : Math.min(g.q(), last / g.spec().strideW() + 1);
    }

    /** columns[(c*R + r)*S + s][p*Q + q] = x[c][p*strideH + r - padH][q*strideW + s - padW], zero outside the image. */
    static void im2col(MemorySegment columns, MemorySegment x, long xOff, Geometry g) {
        if (g.spec().strideW() == 1) im2colContiguous(columns, x, xOff, g);
        else im2colStrided(columns, x, xOff, g);
    }

    /** Stride 1 along W: every output row is one contiguous run of an input row, copied with vectors. */
    private static void im2colContiguous(MemorySegment columns, MemorySegment x, long xOff, Geometry g) {
        ConvSpec spec = g.spec();
        int q = g.q();
        long row = 0;
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row++) {
                    int first = firstColumn(s, g), end = Math.max(first, endColumn(s, g));
                    for (int p = 0; p < g.p(); p++) {
                        long dst = (row * g.p() + p) * q;
                        int h = p * spec.strideH() + r - spec.padH();
                        if (h < 0 || h >= g.h() || first == end) {
                            Loops.fill(columns, dst, q, 0f);
                            continue;
                        }
                        for (int j = 0; j < first; j++) Loops.set(columns, dst + j, 0f);
                        for (int j = end; j < q; j++) Loops.set(columns, dst + j, 0f);
                        Loops.copy(columns, dst + first, x, xOff + ((long) c * g.h() + h) * g.w() + first + s - spec.padW(), end - first);
                    }
                }
            }
        }
    }

    /**
     * Stride > 1 along W (conv1): each input row is read once into a heap row, the S output rows it feeds
     * are gathered from it there and written back as runs (element-wise segment access costs ~3x more).
     */
    private static void im2colStrided(MemorySegment columns, MemorySegment x, long xOff, Geometry g) {
        ConvSpec spec = g.spec();
        int q = g.q(), strideW = spec.strideW();
        float[] in = new float[g.w()], out = new float[q];
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int p = 0; p < g.p(); p++) {
                    int h = p * spec.strideH() + r - spec.padH();
                    boolean inside = h >= 0 && h < g.h();
                    if (inside) MemorySegment.copy(x, Loops.FLOAT, (xOff + ((long) c * g.h() + h) * g.w()) * 4, in, 0, g.w());
                    for (int s = 0; s < g.s(); s++) {
                        long dst = ((((long) c * g.r() + r) * g.s() + s) * g.p() + p) * q;
                        int first = firstColumn(s, g), end = Math.max(first, endColumn(s, g));
                        java.util.Arrays.fill(out, 0f);
                        if (inside) {
                            for (int j = first, w = first * strideW + s - spec.padW(); j < end; j++, w += strideW) out[j] = in[w];
                        }
                        MemorySegment.copy(out, 0, columns, Loops.FLOAT, dst * 4, q);
                    }
                }
            }
        }
    }

    /** The adjoint of im2col: dx[c][h][w] += every column entry that im2col read from (c, h, w). */
    static void col2im(MemorySegment dx, long dxOff, MemorySegment columns, Geometry g) {
        ConvSpec spec = g.spec();
        int q = g.q(), strideW = spec.strideW();
        long row = 0;
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row++) {
                    int first = firstColumn(s, g), end = endColumn(s, g);
                    if (first >= end) continue;
                    for (int p = 0; p < g.p(); p++) {
                        int h = p * spec.strideH() + r - spec.padH();
                        if (h < 0 || h >= g.h()) continue;
                        long src = (row * g.p() + p) * q + first;
                        long dst = dxOff + ((long) c * g.h() + h) * g.w() + (long) first * strideW + s - spec.padW();
                        if (strideW == 1) {
                            Loops.add(dx, dst, columns, src, end - first);
                        } else {
                            for (int j = first; j < end; j++, src++, dst += strideW) Loops.set(dx, dst, Loops.get(dx, dst) + Loops.get(columns, src));
                        }
                    }
                }
            }
        }
    }
}
