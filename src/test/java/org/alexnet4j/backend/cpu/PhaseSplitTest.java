package org.alexnet4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * The phase images of a strided input are its definition, x_ij[c][u][v] = x_pad[c][u*s + i][v*s + j] (zero past the
 * padded input), for every image, channel and phase, with padding and with rows and columns that no phase reaches,
 * on one worker and on three.
 */
class PhaseSplitTest {
    @Test
    void phaseImagesAreTheStridedCellsOfThePaddedInput() {
        record Case(Shape x, Shape w, ConvSpec spec) {}
        for (Case k : List.of(new Case(Shape.of(2, 3, 39, 39), Shape.of(10, 3, 11, 11), ConvSpec.of(4, 2, 1)),
                new Case(Shape.of(1, 3, 227, 227), Shape.of(96, 3, 11, 11), ConvSpec.of(4, 0, 1)),
                new Case(Shape.of(3, 2, 14, 14), Shape.of(4, 2, 3, 3), ConvSpec.of(2, 1, 1)))) {
            Convolution.Geometry g = Convolution.Geometry.of(k.x(), k.w(), k.spec()), phased = PhaseSplit.phased(g);
            int n = g.n(), c = g.c(), h = g.h(), w = g.w(), s = k.spec().strideH(), pad = k.spec().padH(), hp = phased.h(), wp = phased.w();
            float[] x = new float[(int) k.x().size()], expected = new float[n * c * s * s * hp * wp];
            Random random = new Random(7);
            for (int i = 0; i < x.length; i++) x[i] = random.nextFloat() - 0.5f;
            for (int image = 0; image < n; image++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < s; i++) {
                        for (int j = 0; j < s; j++) {
                            for (int u = 0; u < hp; u++) {
                                for (int v = 0; v < wp; v++) {
                                    int row = u * s + i - pad, col = v * s + j - pad;
                                    boolean inside = row >= 0 && row < h && col >= 0 && col < w;
                                    expected[((((image * c + ch) * s + i) * s + j) * hp + u) * wp + v] = inside ? x[((image * c + ch) * h + row) * w + col] : 0f;
                                }
                            }
                        }
                    }
                }
            }
            for (int workers : new int[] {1, 3}) {
                try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(workers)) {
                    MemorySegment xs = arena.allocate((long) x.length * Float.BYTES), xp = arena.allocate((long) expected.length * Float.BYTES);
                    MemorySegment.copy(x, 0, xs, Loops.FLOAT, 0, x.length);
                    xp.fill((byte) 0x7f); // every cell must be written
                    PhaseSplit.splitInput(pool, xp, xs, g, phased);
                    assertArrayEquals(expected, xp.toArray(Loops.FLOAT), k + " on " + workers + " workers");
                }
            }
        }
    }
}
