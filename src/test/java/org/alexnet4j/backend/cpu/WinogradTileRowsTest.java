package org.alexnet4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Winograd's tile-rows path (one block of tiles per group, the tiles as the GEMM's rows) gives bit for bit what the
 * block path gives on the same problem: conv2 and conv4 at batch 1 (forward with bias and ReLU, backward-data), two
 * towers, and small layers whose channels and tiles fill no vector or panel (masked lanes, short rows and columns,
 * two images in the block), each where it makes one block at the vector width in use. The outputs start as different garbage, so an element either path leaves unwritten fails.
 */
class WinogradTileRowsTest {
    record Case(String name, int n, int c, int size, int k, int r, int pad, int groups, Winograd.Direction direction) {
        Convolution.Geometry geometry() { return Convolution.Geometry.of(Shape.of(n, c, size, size), Shape.of(k, c / groups, r, r), ConvSpec.of(1, pad, groups)); }
        @Override public String toString() { return name + " " + direction; }
    }

    static List<Case> cases() {
        var forward = Winograd.Direction.FORWARD;
        var data = Winograd.Direction.DATA;
        return List.of(new Case("conv4 at batch 1", 1, 384, 13, 384, 3, 1, 1, forward), new Case("conv4 at batch 1", 1, 384, 13, 384, 3, 1, 1, data),
                new Case("conv2 at batch 1", 1, 96, 27, 256, 5, 2, 1, forward), new Case("two-tower conv5 at batch 1", 1, 384, 13, 256, 3, 1, 2, forward),
                new Case("20 to 40 channels, 7x7, batch 2", 2, 20, 7, 40, 3, 1, 1, forward), new Case("20 to 40 channels, 7x7, batch 2", 2, 20, 7, 40, 3, 1, 1, data),
                new Case("two towers of 10 to 20 channels, 7x7, batch 2", 2, 20, 7, 40, 3, 1, 2, forward),
                new Case("two towers of 10 to 20 channels, 4x4, batch 2", 2, 20, 4, 40, 3, 1, 2, forward),
                new Case("20 to 40 channels, 4x4, batch 2", 2, 20, 4, 40, 3, 1, 1, data));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tileRowsGiveTheBlockPathsBits(Case check) {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        Convolution.Geometry g = check.geometry();
        Winograd.Problem problem = Winograd.Problem.of(g, check.direction(), Winograd.tile(g, check.direction(), CpuOptions.ConvolutionAlgorithm.WINOGRAD));
        // a block is two GEMM panels of tiles, 64 at 512 bits, 32 at 256, 16 at 128: the 4x4 cases fit at every width
        assumeTrue(problem.tiles() <= Winograd.BLOCK_TILES, check + ": " + problem.tiles() + " tiles, more than one block at " + VectorLoops.describe());
        boolean forward = check.direction() == Winograd.Direction.FORWARD;
        long inputs = (long) problem.n() * problem.groups() * problem.inChannels() * problem.h() * problem.w();
        long outputs = (long) problem.n() * problem.groups() * problem.outChannels() * problem.p() * problem.q();
        Scratch[] scratch = {new Scratch(), new Scratch()};
        try (WorkerPool pool = new WorkerPool(2); FilterCache cache = new FilterCache(); Arena arena = Arena.ofShared()) {
            Winograd winograd = new Winograd(pool, scratch, cache);
            Random random = new Random(7);
            MemorySegment in = gaussian(arena, random, inputs, 1), w = gaussian(arena, random, (long) g.k() * g.columnRows(), 0.05);
            MemorySegment bias = forward ? gaussian(arena, random, g.k(), 0.5) : null;
            MemorySegment byRows = filled(arena, outputs, Float.NaN), byBlocks = filled(arena, outputs, -1f);
            winograd.run(byRows, in, w, bias, forward, problem);
            winograd.runByBlocks(byBlocks, in, w, bias, forward, problem);
            float[] rows = byRows.toArray(Loops.FLOAT), blocks = byBlocks.toArray(Loops.FLOAT);
            assertArrayEquals(blocks, rows, check + ": the tile-rows path differs from the block path");
            float largest = 0;
            for (float value : blocks) largest = Math.max(largest, Math.abs(value));
            assertTrue(largest > 0.1f, check + ": the outputs are all about zero (" + largest + ")");
        } finally {
            for (Scratch s : scratch) s.close();
        }
    }

    private static MemorySegment gaussian(Arena arena, Random random, long floats, double scale) {
        MemorySegment s = arena.allocate(floats * Float.BYTES, 64);
        for (long i = 0; i < floats; i++) s.setAtIndex(Loops.FLOAT, i, (float) (random.nextGaussian() * scale));
        return s;
    }

    private static MemorySegment filled(Arena arena, long floats, float value) {
        MemorySegment s = arena.allocate(floats * Float.BYTES, 64);
        for (long i = 0; i < floats; i++) s.setAtIndex(Loops.FLOAT, i, value);
        return s;
    }
}
