package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.ORDER;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * {@link Winograd}'s forward and backward-data for a problem whose tiles make one block per group (at batch 1:
 * conv2's 49 tiles of 4x4, the 13x13 layers' 16), with the GEMM turned around: per point xi, M_xi^T = V_xi^T U_xi^T,
 * the tiles as the rows, MR at a time (49 tiles take 56 rows, where columns of NR would pad them to 64), and the
 * output channels as the columns, U packed as the GEMM's B panels, each panel's points together so that a worker
 * reads its panels' filters from memory in one sequence (at batch 1 they come from memory every image). Each product is still the FMA chain over the
 * input channels from zero, and each transform the same per-lane operations, so the result is bit-identical to
 * the block path's. The workers split the input channels for the input transform (one lane per tile, as the
 * block path), then the output channels' panels for the products and the output transform (one lane per output
 * channel, bias added as a vector). Loaded only when {@link CpuConfig#VECTOR}.
 */
final class WinogradTileRows {
    private static final int NR = GemmKernels.NR, MR = GemmKernels.MR;

    private final WorkerPool pool;
    private final Scratch[] scratch;
    /** The transforms, the transformed filters and the per-worker heap buffers. */
    private final Winograd winograd;

    WinogradTileRows(WorkerPool pool, Scratch[] scratch, Winograd winograd) {
        this.pool = pool;
        this.scratch = scratch;
        this.winograd = winograd;
    }

    /** {@link Winograd#run} for a problem of at most {@link Winograd#BLOCK_TILES} tiles per group. */
    void run(MemorySegment out, MemorySegment in, MemorySegment w, MemorySegment bias, boolean relu, Winograd.Problem problem) {
        Winograd.Stages st = winograd.stages(problem.m(), problem.r());
        MemorySegment u = winograd.transformedFilters(w, problem, st, NR);
        int tiles = Math.toIntExact(problem.tiles()), groups = problem.groups(), channels = problem.inChannels(), workers = pool.size();
        Winograd.InputLayout layout = Winograd.InputLayout.rows(problem, tiles);
        long groupFloats = (long) problem.alpha() * problem.alpha() * layout.pointStride();
        MemorySegment v = scratch[0].get(Scratch.Role.TRANSFORMED_INPUT, groups * groupFloats);
        int channelTasks = Gemm.ceilDiv(workers, groups), channelChunk = Gemm.ceilDiv(channels, channelTasks);
        pool.forEach(groups * channelTasks, (worker, task) -> {
            int group = task / channelTasks, c0 = task % channelTasks * channelChunk;
            winograd.workspace(worker).transformInput(groupSlice(v, group, groupFloats), layout, in, problem, st.input(), Winograd.Block.of(problem, group, 0),
                    Math.min(channels, c0), Math.min(channels, c0 + channelChunk));
        });
        int panels = Gemm.ceilDiv(problem.outChannels(), NR), panelsPerTask = Gemm.ceilDiv(groups * panels, workers);
        int filterTasks = Gemm.ceilDiv(panels, panelsPerTask), filterChunk = panelsPerTask * NR;
        pool.forEach(groups * filterTasks, (worker, task) -> {
            int group = task / filterTasks, k0 = task % filterTasks * filterChunk;
            multiplyAndTransformOutput(out, bias, relu, u, groupSlice(v, group, groupFloats), layout, problem, st, group, k0,
                    Math.min(problem.outChannels(), k0 + filterChunk), worker);
        });
    }

    private static MemorySegment groupSlice(MemorySegment v, int group, long groupFloats) { return v.asSlice(group * groupFloats * Float.BYTES); }

    /**
     * For output channels [k0, k1) of one group (k0 a multiple of NR), one NR-wide panel of them at a time: per point,
     * the products of every tile (rows) and the panel's channels (columns), tile t and channel kb + j at
     * (xi * rows + t) * NR + j, the panel's transformed filters read point after point as they lie in U
     * ({@link Winograd#filterPanel}); then each tile's Y = A^T M A + bias, ReLU when asked, LANES channels at a time,
     * into the heap output planes (one per channel, n images of pm x qm) and out to {@code out}.
     */
    private void multiplyAndTransformOutput(MemorySegment out, MemorySegment bias, boolean relu, MemorySegment u, MemorySegment v, Winograd.InputLayout layout,
                                            Winograd.Problem problem, Winograd.Stages st, int group, int k0, int k1, int worker) {
        Winograd.Workspace ws = winograd.workspace(worker).sized(problem);
        int tiles = Math.toIntExact(problem.tiles()), rows = Gemm.ceilDiv(tiles, MR) * MR, alpha2 = problem.alpha() * problem.alpha(), depth = problem.inChannels();
        int m = problem.m(), pm = problem.tilesY() * m, qm = problem.tilesX() * m, plane = problem.n() * pm * qm;
        int tilesX = problem.tilesX(), perImage = problem.tilesPerImage();
        MemorySegment products = scratch[worker].get(Scratch.Role.PRODUCTS, (long) alpha2 * rows * NR);
        MemorySegment tile = scratch[worker].get(Scratch.Role.TILE, GemmKernels.TILE_FLOATS);
        Matrix inputs = new Matrix(v, 0, 1, layout.channelStride()), result = Matrix.rowMajor(products, 0, NR);
        if (ws.output.length < NR * plane) ws.output = new float[NR * plane];
        int[] lanes = new int[LANES];
        for (int i = 0; i < LANES; i++) lanes[i] = i * plane;
        Winograd.Block block = Winograd.Block.of(problem, group, 0);
        for (int kb = k0; kb < k1; kb += NR) {
            int kEnd = Math.min(k1, kb + NR);
            for (int xi = 0; xi < alpha2; xi++) {
                long point = layout.of(xi, 0, 0), panel = Winograd.filterPanel(problem, group, xi, kb, NR);
                for (int t = 0; t < tiles; t += MR) {
                    long at = ((long) xi * rows + t) * NR;
                    // 49 tiles: six whole panels and one row
                    if (tiles - t == 1) GemmKernels.rowKernel(inputs, point + t, u, panel, depth, result, at, kEnd - kb, false, tile, Gemm.Epilogue.NONE, 0);
                    else GemmKernels.kernel(inputs, point + t, Math.min(MR, tiles - t), u, panel, depth, result, at, kEnd - kb, false, tile, Gemm.Epilogue.NONE, 0);
                }
            }
            for (int t = 0; t < tiles; t++) {
                int local = t % perImage, origin = t / perImage * pm * qm + local / tilesX * m * qm + local % tilesX * m;
                for (int k = kb; k < kEnd; k += LANES) {
                    // lanes past kEnd transform whatever the products row holds there and are never stored
                    VectorMask<Float> valid = SPECIES.indexInRange(k, kEnd);
                    for (int xi = 0; xi < alpha2; xi++) {
                        long at = ((long) xi * rows + t) * NR + k - kb;
                        FloatVector.fromMemorySegment(SPECIES, products, at * Float.BYTES, ORDER).intoArray(ws.cells, xi * LANES);
                    }
                    st.output().apply2d(ws.cells, ws.work, ws.transformed);
                    FloatVector shift = bias == null ? null
                            : FloatVector.fromMemorySegment(SPECIES, bias, ((long) group * problem.outChannels() + k) * Float.BYTES, ORDER, valid);
                    for (int a = 0; a < m; a++) {
                        for (int b = 0; b < m; b++) {
                            FloatVector y = FloatVector.fromArray(SPECIES, ws.transformed, (a * m + b) * LANES);
                            if (shift != null) y = y.add(shift);
                            if (relu) y = y.max(0f);
                            y.intoArray(ws.output, (k - kb) * plane + origin + a * qm + b, lanes, 0, valid);
                        }
                    }
                }
            }
            for (int k = kb; k < kEnd; k++) ws.copyOut(out, group * problem.outChannels() + k, (k - kb) * plane, problem, block, 0, pm, qm);
        }
    }
}
