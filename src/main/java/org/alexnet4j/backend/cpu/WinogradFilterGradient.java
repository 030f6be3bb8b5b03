package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.ORDER;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The filter gradient of a stride-1 r x r convolution by Winograd, the transpose of {@link Winograd}'s forward:
 * for every output tile, dM = A dY A^T (the output gradient's m x m tile onto the alpha x alpha points, one lane
 * per filter) and V = B^T d B (the input tile as the forward transforms it, one lane per tile); per point
 * dU_xi = sum over tiles of V_xi dM_xi^T, a GEMM over the tiles on the micro-kernel (input channels as rows,
 * filters as columns); then dw += G^T dU G for every filter and channel. Images go in blocks of a count that
 * follows from the shape alone (at least {@link #BLOCK_TILES} tiles); each block's gradient is summed from zero
 * over its tiles in order, then added to dw in block order, so every thread count gives the same bits. Within
 * a block the workers split the input channels (input transform, GEMM rows, back-transform) and the filters
 * (output-gradient transform). Loaded only when {@link CpuConfig#VECTOR}.
 */
final class WinogradFilterGradient {
    /** Tiles per block at least: the depth of each point's GEMM. */
    static final int BLOCK_TILES = 128;
    /** Input channels per GEMM and back-transform task: its point products are alpha^2 x this x K floats. */
    static final int CHANNEL_CHUNK = 64;

    private static final int NR = GemmKernels.NR, MR = GemmKernels.MR;

    private final WorkerPool pool;
    private final Scratch[] scratch;
    /** The forward's transforms and per-worker heap buffers, shared (the two never run at once). */
    private final Winograd winograd;
    /** The block's output gradient planes (image, filter, tilesY*m x tilesX*m, zero-padded), and its filter gradient (K x C x r x r). */
    private float[] gradientPlanes = new float[0], blockGradient = new float[0];

    WinogradFilterGradient(WorkerPool pool, Scratch[] scratch, Winograd winograd) {
        this.pool = pool;
        this.scratch = scratch;
        this.winograd = winograd;
    }

    /** Images per block for a problem: at least BLOCK_TILES tiles, never more images than the batch. */
    static int blockImages(Winograd.Problem problem) { return Math.min(problem.n(), Gemm.ceilDiv(BLOCK_TILES, problem.tilesPerImage())); }

    /** Floats of a block's output gradient planes: every filter's of its images, and a vector of planes of slack. */
    static long planeFloats(Winograd.Problem problem) {
        return ((long) blockImages(problem) * problem.outChannels() + LANES) * problem.tilesY() * problem.m() * problem.tilesX() * problem.m();
    }

    /** dw (K x C/groups x r x r) += the filter gradient of the forward problem {@code problem}, from its input x and output gradient dy. */
    void run(MemorySegment dw, MemorySegment dy, MemorySegment x, Winograd.Problem problem) {
        Winograd.Stages st = winograd.stages(problem.m(), problem.r());
        int alpha2 = problem.alpha() * problem.alpha(), channels = problem.inChannels(), filters = problem.outChannels(), taps = problem.r() * problem.r();
        int kPanels = Gemm.ceilDiv(filters, NR), images = blockImages(problem), perImage = problem.tilesPerImage();
        int gradientFloats = filters * channels * taps;
        int planes = Math.toIntExact(planeFloats(problem));
        if (gradientPlanes.length < planes) gradientPlanes = new float[planes];
        if (blockGradient.length < gradientFloats + LANES * channels * taps) blockGradient = new float[gradientFloats + LANES * channels * taps];
        int workers = pool.size(), channelTasks = Gemm.ceilDiv(channels, CHANNEL_CHUNK);
        int filterGroups = Gemm.ceilDiv(filters, LANES), filterChunk = Gemm.ceilDiv(filterGroups, workers) * LANES;
        for (int group = 0; group < problem.groups(); group++) {
            long dwOffset = (long) group * gradientFloats;
            for (int first = 0; first < problem.n(); first += images) {
                Winograd.Block block = new Winograd.Block(group, (long) first * perImage, (long) Math.min(problem.n(), first + images) * perImage);
                int count = block.count();
                Winograd.InputLayout layout = Winograd.InputLayout.rows(problem, count);
                MemorySegment v = scratch[0].get(Scratch.Role.TRANSFORMED_INPUT, alpha2 * layout.pointStride());
                MemorySegment gradientPoints = scratch[0].get(Scratch.Role.PRODUCTS, (long) alpha2 * kPanels * NR * count);
                int channelChunk = Gemm.ceilDiv(channels, workers);
                pool.forEach(Gemm.ceilDiv(channels, channelChunk), (worker, i) -> winograd.workspace(worker).transformInput(v, layout, x, problem, st.input(), block,
                        i * channelChunk, Math.min(channels, (i + 1) * channelChunk)));
                pool.forEach(Gemm.ceilDiv(filters, filterChunk), (worker, i) -> transformOutputGradient(gradientPoints, dy, problem, st, block, kPanels,
                        i * filterChunk, Math.min(filters, (i + 1) * filterChunk), winograd.workspace(worker).sized(problem)));
                pool.forEach(channelTasks, (worker, i) -> multiplyAndTransformBack(v, layout, gradientPoints, problem, st, count, kPanels,
                        i * CHANNEL_CHUNK, Math.min(channels, (i + 1) * CHANNEL_CHUNK), worker));
                int addChunk = Gemm.ceilDiv(gradientFloats, 4 * workers);
                pool.forEach(Gemm.ceilDiv(gradientFloats, addChunk), (worker, i) -> {
                    int from = i * addChunk, to = Math.min(gradientFloats, from + addChunk);
                    addInto(dw, dwOffset + from, blockGradient, from, to - from);
                });
            }
        }
    }

    /**
     * For filters [k0, k1) (k0 a multiple of LANES): copies their output-gradient planes of the block's images into
     * the zero-padded heap planes, then writes every tile's dM = A dY A^T into the packed panels: point xi, panel j
     * of NR filters, tile t, filter k at ((xi * kPanels + j) * count + t) * NR + k % NR.
     */
    private void transformOutputGradient(MemorySegment points, MemorySegment dy, Winograd.Problem problem, Winograd.Stages st, Winograd.Block block,
                                         int kPanels, int k0, int k1, Winograd.Workspace ws) {
        int m = problem.m(), p = problem.p(), q = problem.q(), pm = problem.tilesY() * m, qm = problem.tilesX() * m, plane = pm * qm;
        int filters = problem.outChannels(), alpha2 = problem.alpha() * problem.alpha(), perImage = problem.tilesPerImage(), tilesX = problem.tilesX();
        int firstImage = block.firstImage(problem), images = block.lastImage(problem) - firstImage + 1, count = block.count();
        for (int image = 0; image < images; image++) {
            for (int k = k0; k < k1; k++) {
                int to = (image * filters + k) * plane;
                Arrays.fill(gradientPlanes, to, to + plane, 0f);
                long from = ((long) (firstImage + image) * problem.groups() * filters + (long) block.group() * filters + k) * p * q;
                for (int y = 0; y < p; y++) MemorySegment.copy(dy, Loops.FLOAT, (from + (long) y * q) * Float.BYTES, gradientPlanes, to + y * qm, q);
            }
        }
        int[] lanes = new int[LANES];
        for (int i = 0; i < LANES; i++) lanes[i] = i * plane;
        for (int t = 0; t < count; t++) {
            long tile = block.first() + t;
            int local = (int) (tile % perImage), origin = (int) (tile / perImage - firstImage) * filters * plane + (local / tilesX) * m * qm + (local % tilesX) * m;
            for (int k = k0; k < k1; k += LANES) {
                // lanes past the last filter read whatever lies there (the next image's planes, the slack) into panel columns nothing reads
                for (int a = 0; a < m; a++) {
                    for (int b = 0; b < m; b++) {
                        FloatVector.fromArray(SPECIES, gradientPlanes, origin + k * plane + a * qm + b, lanes, 0).intoArray(ws.cells, (a * m + b) * LANES);
                    }
                }
                st.outputGradient().apply2d(ws.cells, ws.work, ws.transformed);
                long at = ((long) k / NR * count + t) * NR + k % NR, pointStride = (long) kPanels * count * NR;
                for (int xi = 0; xi < alpha2; xi++, at += pointStride) {
                    FloatVector.fromArray(SPECIES, ws.transformed, xi * LANES).intoMemorySegment(points, at * Float.BYTES, ORDER);
                }
            }
        }
    }

    /**
     * For input channels [c0, c1): per point, dU_xi rows (channels) = V_xi (channels x tiles) times the packed dM_xi
     * (tiles x filters), summed over the block's tiles; then G^T dU G for every filter and channel into the block's
     * filter gradient (K x C x r x r).
     */
    private void multiplyAndTransformBack(MemorySegment v, Winograd.InputLayout layout, MemorySegment points, Winograd.Problem problem, Winograd.Stages st,
                                          int count, int kPanels, int c0, int c1, int worker) {
        Winograd.Workspace ws = winograd.workspace(worker).sized(problem);
        int alpha2 = problem.alpha() * problem.alpha(), filters = problem.outChannels(), channels = problem.inChannels(), r = problem.r(), taps = r * r;
        long kPad = (long) kPanels * NR, rows = c1 - c0;
        MemorySegment products = scratch[worker].get(Scratch.Role.COLUMNS, alpha2 * rows * kPad);
        MemorySegment tile = scratch[worker].get(Scratch.Role.TILE, GemmKernels.TILE_FLOATS);
        Matrix inputs = new Matrix(v, 0, layout.channelStride(), 1), result = Matrix.rowMajor(products, 0, kPad);
        for (int xi = 0; xi < alpha2; xi++) {
            for (int panel = 0; panel < kPanels; panel++) {
                long panelAt = ((long) xi * kPanels + panel) * count * NR;
                for (int c = c0; c < c1; c += MR) {
                    GemmKernels.kernel(inputs, layout.of(xi, c, 0), Math.min(MR, c1 - c), points, panelAt, count, result,
                            ((long) xi * rows + c - c0) * kPad + (long) panel * NR, NR, false, tile, Gemm.Epilogue.NONE, 0);
                }
            }
        }
        int[] lanes = new int[LANES];
        for (int i = 0; i < LANES; i++) lanes[i] = i * channels * taps;
        for (int c = c0; c < c1; c++) {
            for (int k = 0; k < filters; k += LANES) {
                for (int xi = 0; xi < alpha2; xi++) {
                    long at = ((long) xi * rows + c - c0) * kPad + k;
                    FloatVector.fromMemorySegment(SPECIES, products, at * Float.BYTES, ORDER).intoArray(ws.cells, xi * LANES);
                }
                st.filterGradient().apply2d(ws.cells, ws.work, ws.transformed);
                // filters past the last one land in the gradient's slack
                for (int tap = 0; tap < taps; tap++) {
                    FloatVector.fromArray(SPECIES, ws.transformed, tap * LANES).intoArray(blockGradient, (k * channels + c) * taps + tap, lanes, 0);
                }
            }
        }
    }

    /** dst[dOff, dOff + n) += src[sOff, sOff + n), dst off-heap. */
    private static void addInto(MemorySegment dst, long dOff, float[] src, int sOff, int n) {
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            long at = (dOff + i) * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, dst, at, ORDER).add(FloatVector.fromArray(SPECIES, src, sOff + i)).intoMemorySegment(dst, at, ORDER);
        }
        for (; i < n; i++) Loops.set(dst, dOff + i, Loops.get(dst, dOff + i) + src[sOff + i]);
    }
}
