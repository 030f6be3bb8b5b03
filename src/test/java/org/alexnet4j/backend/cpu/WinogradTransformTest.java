package org.alexnet4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Toom-Cook construction of F(m, r): in float64 the transforms compute the correlation exactly up to the
 * rounding of their entries, for the tile sides the backend runs and their neighbours; F(4, 3) has the published A^T.
 */
class WinogradTransformTest {
    @ParameterizedTest(name = "F({0}, {1})")
    @CsvSource({"2, 3", "4, 3", "5, 3", "6, 3", "2, 5", "3, 5", "4, 5"})
    void transformsComputeTheCorrelation(int m, int r) {
        WinogradTransform t = WinogradTransform.of(m, r);
        int alpha = t.alpha();
        Random random = new Random(m * 31 + r);
        for (int trial = 0; trial < 20; trial++) {
            double[] d = new double[alpha], g = new double[r];
            for (int i = 0; i < alpha; i++) d[i] = random.nextGaussian();
            for (int i = 0; i < r; i++) g[i] = random.nextGaussian();
            double[] product = new double[alpha];
            for (int j = 0; j < alpha; j++) {
                double gg = 0, bd = 0;
                for (int k = 0; k < r; k++) gg += t.g()[j][k] * g[k];
                for (int i = 0; i < alpha; i++) bd += t.bt()[j][i] * d[i];
                product[j] = gg * bd;
            }
            for (int i = 0; i < m; i++) {
                double y = 0, expected = 0;
                for (int j = 0; j < alpha; j++) y += t.at()[i][j] * product[j];
                for (int k = 0; k < r; k++) expected += d[i + k] * g[k];
                assertEquals(expected, y, 1e-11 * (1 + Math.abs(expected)), "F(" + m + ", " + r + ") output " + i);
            }
        }
    }

    @ParameterizedTest(name = "F({0}, {1})")
    @CsvSource({"1, 3", "2, 1", "9, 5"})
    void unsupportedSizesAreRefused(int m, int r) {
        assertThrows(IllegalArgumentException.class, () -> WinogradTransform.of(m, r));
    }

    @org.junit.jupiter.api.Test
    void f43HasThePublishedOutputTransform() {
        // Lavin and Gray's A^T for F(4x4, 3x3), points 0, 1, -1, 2, -2 and infinity
        double[][] expected = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
        double[][] at = WinogradTransform.of(4, 3).at();
        for (int i = 0; i < 4; i++) org.junit.jupiter.api.Assertions.assertArrayEquals(expected[i], at[i], 0, "A^T row " + i);
    }
}
