package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;

class PcaLightingTest {
    /** A random rotation (orthonormal columns) from a seeded Gram-Schmidt. */
    private static double[][] rotation(long seed) {
        Random random = new Random(seed);
        double[][] q = new double[3][3];
        for (int k = 0; k < 3; k++) {
            double[] v = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            for (int j = 0; j < k; j++) {
                double dot = 0;
                for (int r = 0; r < 3; r++) dot += v[r] * q[r][j];
                for (int r = 0; r < 3; r++) v[r] -= dot * q[r][j];
            }
            double norm = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            for (int r = 0; r < 3; r++) q[r][k] = v[r] / norm;
        }
        return q;
    }

    /** |cos| of the angle between column k of a and column k of b (1 = same direction up to sign). */
    private static double alignment(double[][] a, float[] bRowMajor, int k) {
        double dot = 0;
        for (int r = 0; r < 3; r++) dot += a[r][k] * bRowMajor[r * 3 + k];
        return Math.abs(dot);
    }

    @Test void jacobiDecomposesSymmetricMatricesExactly() {
        Random random = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            double[][] a = new double[3][3];
            for (int i = 0; i < 3; i++) for (int j = i; j < 3; j++) a[i][j] = a[j][i] = random.nextGaussian();
            SymmetricEigen3 e = SymmetricEigen3.of(a);
            assertTrue(e.values()[0] >= e.values()[1] && e.values()[1] >= e.values()[2], "descending");
            for (int k = 0; k < 3; k++) {
                for (int r = 0; r < 3; r++) {
                    double av = 0;
                    for (int c = 0; c < 3; c++) av += a[r][c] * e.vectors()[c][k];
                    assertEquals(e.values()[k] * e.vectors()[r][k], av, 1e-12, "A v = l v, trial " + trial);
                }
                for (int j = 0; j < 3; j++) {
                    double dot = 0;
                    for (int r = 0; r < 3; r++) dot += e.vectors()[r][k] * e.vectors()[r][j];
                    assertEquals(k == j ? 1 : 0, dot, 1e-12, "orthonormal, trial " + trial);
                }
            }
        }
    }

    /**
     * Pixels drawn as m + P diag(sqrt(l)) z (z standard normal) over 64 images of 16x16 (16384 pixels):
     * the fitted eigenvalues match l within 6% (sampling error of a variance is sqrt(2/n) = 1.1%, so 5
     * sigma) and the eigenvectors match P's columns up to sign within 0.02 rad (expected error ~0.005).
     */
    @Test void statisticsRecoverAPlantedCovariance() {
        double[][] p = rotation(3);
        double[] l = {0.04, 0.01, 0.002}, m = {0.5, 0.4, 0.3};
        int side = 16, count = 64;
        Random random = new Random(5);
        RgbImage[] images = new RgbImage[count];
        for (int i = 0; i < count; i++) {
            images[i] = RgbImage.blank(side, side);
            for (int px = 0; px < side * side; px++) {
                double[] z = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
                for (int c = 0; c < 3; c++) {
                    double v = m[c];
                    for (int k = 0; k < 3; k++) v += p[c][k] * Math.sqrt(l[k]) * z[k];
                    images[i].pixels()[c * side * side + px] = (float) v;
                }
            }
        }
        Dataset dataset = new Dataset() {
            @Override public int size() { return count; }
            @Override public int label(int index) { return 0; }
            @Override public List<String> classNames() { return List.of("only"); }
            @Override public RgbImage image(int index) { return images[index]; }
            @Override public String describe(int index) { return "planted " + index; }
            @Override public String fingerprint() { return "planted"; }
        };
        ImageStatistics s = ImageStatistics.compute(new BaseImages(dataset, side, BadImagePolicy.FAIL, new DataProblems()), count, 3);
        float[] values = s.pca().eigenvalues(), vectors = s.pca().eigenvectors();
        for (int k = 0; k < 3; k++) {
            assertEquals(l[k], values[k], 0.06 * l[k], "eigenvalue " + k);
            assertTrue(alignment(p, vectors, k) > Math.cos(0.02), "eigenvector " + k + " |cos| = " + alignment(p, vectors, k));
        }
        double[] meanImage = new double[3 * side * side];
        double[] channelMean = new double[3];
        for (RgbImage image : images) {
            for (int i = 0; i < meanImage.length; i++) {
                meanImage[i] += image.pixels()[i] / (double) count;
                channelMean[i / (side * side)] += image.pixels()[i] / (double) (count * side * side);
            }
        }
        Approx.assertClose("mean image", meanImage, toDouble(s.meanImage()), 1e-6, 0);
        Approx.assertClose("channel mean", channelMean, toDouble(s.channelMean()), 1e-6, 0);
        for (int c = 0; c < 3; c++) {
            double variance = 0;
            for (int k = 0; k < 3; k++) variance += p[c][k] * p[c][k] * l[k];
            assertEquals(Math.sqrt(variance), s.channelStd()[c], 0.03 * Math.sqrt(variance), "channel std " + c);
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static ImagePipeline lightingPipeline(PcaLighting lighting, Augmentation.LightingComponents components, double std) {
        int side = 4;
        ImageStatistics statistics = new ImageStatistics(side, 1, new float[3 * side * side], new float[3], new float[] {1, 1, 1}, lighting, "test");
        return new ImagePipeline(side, side, ImagePipeline.Mode.TRAIN, new Augmentation(false, false, std, components), Normalization.NONE, statistics);
    }

    /**
     * With orthonormal P the coefficients are a_k = (P^T offset)_k / l_k: over 20000 images they have mean
     * 0 (within 5 standard errors, 5 * 0.1 / sqrt(n) = 0.0035), standard deviation 0.1 (within 5 * 0.1 /
     * sqrt(2n) = 0.0025) and no correlation (|r| < 5 / sqrt(n) = 0.035).
     */
    @Test void lightingCoefficientsAreIndependentNormalsWithStd01() {
        double[][] p = rotation(9);
        float[] vectors = new float[9];
        for (int r = 0; r < 3; r++) for (int k = 0; k < 3; k++) vectors[r * 3 + k] = (float) p[r][k];
        float[] l = {0.3f, 0.05f, 0.01f};
        ImagePipeline pipeline = lightingPipeline(new PcaLighting(l, vectors), Augmentation.LightingComponents.FITTED, 0.1);
        int n = 20000;
        double[][] a = new double[n][3];
        Draws draws = new Draws(17, Draws.AUGMENT, 2);
        for (int i = 0; i < n; i++) {
            float[] offset = pipeline.lightingOffset(draws, i);
            for (int k = 0; k < 3; k++) {
                double projection = 0;
                for (int r = 0; r < 3; r++) projection += p[r][k] * offset[r];
                a[i][k] = projection / l[k];
            }
        }
        for (int k = 0; k < 3; k++) {
            double mean = 0, square = 0;
            for (double[] row : a) { mean += row[k] / n; square += row[k] * row[k] / n; }
            double std = Math.sqrt(square - mean * mean);
            assertEquals(0, mean, 0.0035, "mean of a_" + k);
            assertEquals(0.1, std, 0.0025, "std of a_" + k);
            for (int j = k + 1; j < 3; j++) {
                double product = 0;
                for (double[] row : a) product += row[k] * row[j] / n;
                assertEquals(0, product / 0.01, 0.035, "correlation of a_" + k + " and a_" + j);
            }
        }
    }

    /**
     * The RGB offset on the ImageNet components has covariance P diag(l^2 * sigma^2) P^T, for the paper's
     * sigma = 0.1 and for 0.25: each entry within 5% of the largest (the sampling error of a covariance of
     * 20000 draws is about 1% of it).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(doubles = {0.1, 0.25})
    void lightingOffsetHasThePaperCovariance(double sigma) {
        ImagePipeline pipeline = lightingPipeline(PcaLighting.IMAGENET, Augmentation.LightingComponents.IMAGENET, sigma);
        float[] p = PcaLighting.IMAGENET.eigenvectors(), l = PcaLighting.IMAGENET.eigenvalues();
        int n = 20000;
        double[] covariance = new double[9], expected = new double[9];
        Draws draws = new Draws(1, Draws.AUGMENT, 0);
        for (int i = 0; i < n; i++) {
            float[] offset = pipeline.lightingOffset(draws, i);
            for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) covariance[r * 3 + c] += offset[r] * offset[c] / (double) n;
        }
        double largest = 0;
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 3; k++) expected[r * 3 + c] += p[r * 3 + k] * p[c * 3 + k] * l[k] * l[k] * sigma * sigma;
                largest = Math.max(largest, Math.abs(expected[r * 3 + c]));
            }
        }
        Approx.assertClose("offset covariance", expected, covariance, 0.05 * largest, 0);
    }

    /** Every pixel of an image gets the same offset, drawn from (seed, epoch, index) only. */
    @Test void lightingShiftsEveryPixelByTheImagesOffset() {
        ImagePipeline pipeline = lightingPipeline(PcaLighting.IMAGENET, Augmentation.LightingComponents.IMAGENET, 0.1);
        RgbImage image = RgbImage.blank(4, 4);
        for (int i = 0; i < image.pixels().length; i++) image.pixels()[i] = i / 48f;
        float[] out = new float[48];
        pipeline.render(image, 5, 1, 7, out, 0);
        float[] offset = pipeline.lightingOffset(new Draws(5, Draws.AUGMENT, 1), 7);
        assertTrue(Math.abs(offset[0]) > 1e-4, "a visible offset");
        float[] expected = new float[48];
        for (int i = 0; i < 48; i++) expected[i] = image.pixels()[i] + offset[i / 16];
        Approx.assertClose("lit image", expected, out, 1e-6, 0);
        float[] again = new float[48], otherEpoch = new float[48];
        pipeline.render(image, 5, 1, 7, again, 0);
        pipeline.render(image, 5, 2, 7, otherEpoch, 0);
        Approx.assertClose("same draw", out, again, 0, 0);
        assertTrue(out[0] != otherEpoch[0], "another epoch, another draw");
    }
}
