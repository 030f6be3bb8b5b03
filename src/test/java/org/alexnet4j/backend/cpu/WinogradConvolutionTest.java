package org.alexnet4j.backend.cpu;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.gaussian;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Winograd convolution against the float64 reference at AlexNet's real layer shapes and magnitudes (forward
 * with bias and ReLU, and backward-data), each element within a rounding-error bound derived for the algorithm.
 *
 * <p>The bound. One output tile is Y = A^T [sum_c (G g_c G^T) ⊙ (B^T d_c B)] A over the C input channels
 * (per group; backward-data: C = the output channels, g the flipped filters). With u = 2^-24 and
 * gamma_n = n u / (1 - n u), a float32 sum of n products (an FMA chain, or a product with a rounded entry
 * counted as one more term) is within gamma_n of the exact sum of the products' magnitudes. The stages, as the
 * backend runs them: the filter transform, two passes of r-term sums with entries rounded to float
 * (gamma_{2(r+1)}); the input transform, two passes of alpha-term sums (gamma_{2(alpha+1)}); the point-wise
 * products summed over the C channels by the GEMM's FMA chain (gamma_C); the output transform, two passes of
 * alpha-term sums (gamma_{2(alpha+1)}). Each stage's error is bounded by its gamma times the same magnitude, so
 * to first order
 * <pre>
 *   |Ŷ - Y| <= gamma_n E,   n = 2r + 4 alpha + C + 6,
 *   E = |A^T| [sum_c (|G| |g_c| |G|^T) ⊙ (|B^T| |d_c| |B|)] |A|   (element-wise magnitudes, in float64),
 * </pre>
 * and adding the bias rounds once more (u |y|; ReLU never increases a difference). The tolerance is
 * 1.01 gamma_n E + 2 u |y|, the 1.01 covering the second-order terms; the root mean square error must also stay
 * within the probabilistic estimate sqrt(n) u rms(E). E grows with the tile: the entries of A^T,
 * G and B^T grow with alpha (F(5x5, 3x3): A^T has 16 and 1/16, B^T 9/2 and 6), which is the cost of the fewer
 * multiplications. A broken transform entry moves outputs by a fraction of |y|, far outside the bound.
 */
class WinogradConvolutionTest {
    private static final double U = 0x1p-24;

    /** A layer: C input channels of size x size, K filters of r x r, padding, groups (the paper's two towers: 2). */
    record Layer(String name, int c, int size, int k, int r, int pad, int groups) {
        ConvSpec spec() { return ConvSpec.of(1, pad, groups); }
        Shape x(int n) { return Shape.of(n, c, size, size); }
        Shape w() { return Shape.of(k, c / groups, r, r); }
        Shape y(int n) { return spec().outputShape(x(n), w()); }
        @Override public String toString() { return name; }
    }

    static final List<Layer> LAYERS = List.of(
            new Layer("conv2", 96, 27, 256, 5, 2, 1), new Layer("conv2g2", 96, 27, 256, 5, 2, 2),
            new Layer("conv3", 256, 13, 384, 3, 1, 1), new Layer("conv4", 384, 13, 384, 3, 1, 1), new Layer("conv4g2", 384, 13, 384, 3, 1, 2),
            new Layer("conv5", 384, 13, 256, 3, 1, 1), new Layer("conv5g2", 384, 13, 256, 3, 1, 2));

    /**
     * A layer at a batch, and the tile side the rule gives it there: together the cases run every tile side a layer
     * of AlexNet takes (a 13x13 output: forward and backward-data 4x4 at batch 1 and 5x5 from batch 2, the filter
     * gradient 2x2 at batch 1, 4x4 at batch 2 and 3 and 5x5 from batch 4; 27x27: 4x4).
     */
    record Case(Layer layer, int n, int m) {
        @Override public String toString() { return layer + " at batch " + n + ", F(" + m + "x" + m + ", " + layer.r() + "x" + layer.r() + ")"; }
    }

    static List<Case> forwardCases() {
        return List.of(new Case(LAYERS.get(0), 1, 4), new Case(LAYERS.get(1), 1, 4), new Case(LAYERS.get(2), 1, 4), new Case(LAYERS.get(3), 1, 4),
                new Case(LAYERS.get(4), 1, 4), new Case(LAYERS.get(5), 1, 4), new Case(LAYERS.get(6), 1, 4), new Case(LAYERS.get(3), 2, 5),
                new Case(LAYERS.get(5), 4, 5), new Case(LAYERS.get(6), 4, 5));
    }

    static List<Case> filterCases() {
        return List.of(new Case(LAYERS.get(0), 4, 4), new Case(LAYERS.get(1), 4, 4), new Case(LAYERS.get(2), 1, 2), new Case(LAYERS.get(3), 4, 5),
                new Case(LAYERS.get(4), 2, 4), new Case(LAYERS.get(5), 2, 4), new Case(LAYERS.get(6), 4, 5));
    }

    private static CpuBackend cpu(CpuOptions.ConvolutionAlgorithm algorithm) {
        return new CpuBackend(BackendOptions.defaults().withThreads(2).withCpu(CpuOptions.defaults().withConvolution(algorithm)));
    }

    /** {@code values} made non-negative in place: |N(0, scale^2)|, as ReLU outputs are. */
    private static float[] magnitudes(float[] values) {
        for (int i = 0; i < values.length; i++) values[i] = Math.abs(values[i]);
        return values;
    }

    /**
     * E of the bound for every output of the stride-1 correlation of {@code in} (n, groups*depth, h, w) with
     * filters f(row, depth) (r x r each, as {@code taps} gives them) into (n, groups*rows, p, q), padding pad.
     */
    private static double[] magnitudeBound(WinogradTransform t, float[] in, int n, int groups, int depth, int h, int w, Filters taps, int rows,
                                           int p, int q, int pad) {
        int m = t.m(), r = t.r(), alpha = t.alpha(), tilesY = (p + m - 1) / m, tilesX = (q + m - 1) / m;
        double[][] g = abs(t.g()), bt = abs(t.bt()), at = abs(t.at());
        double[] e = new double[n * groups * rows * p * q];
        double[][][] filters = new double[rows][depth][]; // |G| |f| |G|^T, alpha x alpha flattened
        for (int image = 0; image < n; image++) {
            for (int group = 0; group < groups; group++) {
                for (int row = 0; row < rows; row++) {
                    for (int c = 0; c < depth; c++) filters[row][c] = sandwich(g, taps.of(group, row, c), r);
                }
                for (int ty = 0; ty < tilesY; ty++) {
                    for (int tx = 0; tx < tilesX; tx++) {
                        double[][] inputs = inputTileBounds(bt, m, in, image, group, groups, depth, h, w, ty, tx, pad);
                        for (int row = 0; row < rows; row++) {
                            double[] sum = new double[alpha * alpha];
                            for (int c = 0; c < depth; c++) {
                                double[] f = filters[row][c], v = inputs[c];
                                for (int i = 0; i < sum.length; i++) sum[i] += f[i] * v[i];
                            }
                            double[] tile = sandwich(at, sum, alpha);
                            for (int a = 0; a < m && ty * m + a < p; a++) {
                                for (int b = 0; b < m && tx * m + b < q; b++) {
                                    e[(((image * groups + group) * rows + row) * p + ty * m + a) * q + tx * m + b] = tile[a * m + b];
                                }
                            }
                        }
                    }
                }
            }
        }
        return e;
    }

    /**
     * |B^T| |d| |B| (bt: |B^T|, alpha x alpha) of each of the depth channels of (image, group) of in (n, groups*depth, h, w),
     * d the alpha x alpha input tile of output tile (ty, tx) (m x m outputs), padded by pad: zero outside the image.
     */
    private static double[][] inputTileBounds(double[][] bt, int m, float[] in, int image, int group, int groups, int depth, int h, int w,
                                              int ty, int tx, int pad) {
        int alpha = bt.length;
        double[][] inputs = new double[depth][];
        for (int c = 0; c < depth; c++) {
            double[] d = new double[alpha * alpha];
            for (int a = 0; a < alpha; a++) {
                for (int b = 0; b < alpha; b++) {
                    int y = ty * m + a - pad, x = tx * m + b - pad;
                    if (y >= 0 && y < h && x >= 0 && x < w) d[a * alpha + b] = Math.abs(in[((image * groups + group) * depth + c) * h * w + y * w + x]);
                }
            }
            inputs[c] = sandwich(bt, d, alpha);
        }
        return inputs;
    }

    /** The r x r taps of filter (row, depth) of a group, as float64 magnitudes. */
    private interface Filters { double[] of(int group, int row, int depth); }

    /** S X S^T for S (rows x cols) and X (cols x cols, row-major). */
    private static double[] sandwich(double[][] s, double[] x, int cols) {
        int rows = s.length;
        double[] sx = new double[rows * cols], out = new double[rows * rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = 0;
                for (int k = 0; k < cols; k++) v += s[i][k] * x[k * cols + j];
                sx[i * cols + j] = v;
            }
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                double v = 0;
                for (int k = 0; k < cols; k++) v += sx[i * cols + k] * s[j][k];
                out[i * rows + j] = v;
            }
        }
        return out;
    }

    private static double[][] abs(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) out[i][j] = Math.abs(a[i][j]);
        }
        return out;
    }

    private static double gamma(long n) { return n * U / (1 - n * U); }

    /**
     * Asserts |actual - expected| <= 1.01 gamma_n E + 2 u |expected| element-wise, naming the worst element; and, as
     * the rule of thumb for rounding errors that do not conspire (each a random +-u), that the root mean square
     * error is at most sqrt(n) u times the root mean square of E: about sqrt(n) times tighter, so a transform
     * entry off by a thousandth fails it too.
     */
    private static void assertWithinBound(String what, float[] expected, float[] actual, double[] e, long n) {
        double gamma = gamma(n), worstRatio = 0, squaredError = 0, squaredE = 0;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1.01 * gamma * e[i] + 2 * U * Math.abs(expected[i]), error = Math.abs((double) actual[i] - expected[i]);
            assertTrue(Float.isFinite(actual[i]), what + ": element " + i + " is " + actual[i]);
            if (error / tolerance > worstRatio) {
                worstRatio = error / tolerance;
                worst = i;
            }
            squaredError += error * error;
            squaredE += e[i] * e[i];
        }
        assertTrue(worstRatio <= 1, what + ": element " + worst + " = " + actual[worst] + ", reference " + expected[worst] + ", error "
                + Math.abs(actual[worst] - expected[worst]) + " exceeds the bound " + (1.01 * gamma * e[worst] + 2 * U * Math.abs(expected[worst]))
                + " (gamma_" + n + " E = " + gamma * e[worst] + ")");
        double rms = Math.sqrt(squaredError / expected.length), estimate = Math.sqrt(n) * U * Math.sqrt(squaredE / expected.length);
        assertTrue(rms <= estimate, what + ": root mean square error " + rms + " exceeds sqrt(" + n + ") u rms(E) = " + estimate);
    }

    /**
     * Every {@link #SAMPLE}-th channel of each group (output channels for the forward, input channels for
     * backward-data) is checked, the reference computing just those: the backend runs the whole layer.
     */
    private static final int SAMPLE = 8;

    @ParameterizedTest(name = "{0}")
    @MethodSource("forwardCases")
    void forwardAndBackwardDataAreWithinTheDerivedBound(Case check) {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        Layer layer = check.layer();
        int n = check.n(), groups = layer.groups(), cg = layer.c() / groups, kg = layer.k() / groups, r = layer.r(), taps = r * r;
        Shape ys = layer.y(n);
        int p = ys.dim(2), q = ys.dim(3), size = layer.size();
        // forward: ReLU outputs of the layer below (paper units), weights ~ N(0, 0.01^2), bias 1; backward: gradients ~ N(0, 1e-3)
        float[] x = magnitudes(gaussian(1, layer.x(n).size(), 3)), w = gaussian(2, layer.w().size(), 0.01);
        float[] bias = gaussian(3, layer.k(), 0.1), dy = gaussian(4, ys.size(), 1e-3);
        for (int i = 0; i < bias.length; i++) bias[i] += 1;
        float[] y, dx;
        try (Backend b = cpu(CpuOptions.ConvolutionAlgorithm.WINOGRAD); Tensor tx = upload(b, layer.x(n), x); Tensor tw = upload(b, layer.w(), w);
             Tensor tb = upload(b, Shape.of(layer.k()), bias); Tensor ty = b.allocate(ys); Tensor tdy = upload(b, ys, dy); Tensor tdx = b.allocate(layer.x(n))) {
            b.conv2dReluForward(ty, tx, tw, tb, layer.spec());
            b.conv2dBackwardData(tdx, tdy, tw, layer.spec());
            y = download(b, ty);
            dx = download(b, tdx);
        }
        int m = Winograd.tile(geometry(layer, n), Winograd.Direction.FORWARD, CpuOptions.ConvolutionAlgorithm.WINOGRAD);
        assertEquals(check.m(), m, check + ": the tile side");
        assertEquals(m, Winograd.tile(geometry(layer, n), Winograd.Direction.DATA, CpuOptions.ConvolutionAlgorithm.WINOGRAD), check + ": backward-data's tile side");
        WinogradTransform t = WinogradTransform.of(m, r);
        int alpha = t.alpha(), kSampled = kg / SAMPLE, cSampled = cg / SAMPLE;

        // forward, filters k = SAMPLE * j of each group: the reference with just those filters
        float[] ws = new float[groups * kSampled * cg * taps], bs = new float[groups * kSampled];
        for (int group = 0; group < groups; group++) {
            for (int j = 0; j < kSampled; j++) {
                int k = group * kg + j * SAMPLE;
                System.arraycopy(w, k * cg * taps, ws, (group * kSampled + j) * cg * taps, cg * taps);
                bs[group * kSampled + j] = bias[k];
            }
        }
        Shape yReference = Shape.of(n, groups * kSampled, p, q);
        float[] expected;
        try (Backend ref = Backends.create("reference"); Tensor tx = upload(ref, layer.x(n), x); Tensor tw = upload(ref, Shape.of(groups * kSampled, cg, r, r), ws);
             Tensor tb = upload(ref, Shape.of(groups * kSampled), bs); Tensor ty = ref.allocate(yReference)) {
            ref.conv2dReluForward(ty, tx, tw, tb, layer.spec());
            expected = download(ref, ty);
        }
        double[] forwardE = magnitudeBound(t, x, n, groups, cg, size, size, (group, row, c) -> {
            double[] f = new double[taps];
            for (int i = 0; i < taps; i++) f[i] = Math.abs(ws[((group * kSampled + row) * cg + c) * taps + i]);
            return f;
        }, kSampled, p, q, layer.pad());
        // y = relu(conv + bias): the bound holds for conv + bias, and ReLU does not increase it
        assertWithinBound(layer + " forward", expected, sampled(y, n, layer.k(), p * q), forwardE, 2L * r + 4L * alpha + cg + 6);

        // backward-data, input channels c = SAMPLE * j of each group: the reference with just those channels of every filter
        float[] wc = new float[layer.k() * cSampled * taps];
        for (int k = 0; k < layer.k(); k++) {
            for (int j = 0; j < cSampled; j++) System.arraycopy(w, (k * cg + j * SAMPLE) * taps, wc, (k * cSampled + j) * taps, taps);
        }
        Shape xReference = Shape.of(n, groups * cSampled, size, size);
        try (Backend ref = Backends.create("reference"); Tensor tw = upload(ref, Shape.of(layer.k(), cSampled, r, r), wc); Tensor tdy = upload(ref, ys, dy);
             Tensor tdx = ref.allocate(xReference)) {
            ref.conv2dBackwardData(tdx, tdy, tw, layer.spec());
            expected = download(ref, tdx);
        }
        double[] dataE = magnitudeBound(t, dy, n, groups, kg, p, q, (group, row, k) -> {
            double[] f = new double[taps];
            for (int i = 0; i < taps; i++) f[i] = Math.abs(wc[((group * kg + k) * cSampled + row) * taps + taps - 1 - i]);
            return f;
        }, cSampled, size, size, r - 1 - layer.pad());
        assertWithinBound(layer + " backward-data", expected, sampled(dx, n, layer.c(), size * size), dataE, 2L * r + 4L * alpha + kg + 6);
    }

    /**
     * The filter gradient, dw = G^T [sum over images and tiles of (A dY A^T) ⊙ (B^T d B)] G, per filter and channel:
     * its stages round as the forward's (the output gradient's transform two passes of m-term sums, the input's and
     * the back-transform's two of alpha-term sums, the GEMM a sum over a block's tiles, then the blocks added in
     * order), so n = 2(m + 1) + 4(alpha + 1) + the tiles of a block + the blocks + 1, and E is the same expression in
     * magnitudes. conv2 at batch 4 runs two blocks of three images; the 13x13 layers one block.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("filterCases")
    void filterGradientIsWithinTheDerivedBound(Case check) {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        Layer layer = check.layer();
        int n = check.n(), groups = layer.groups(), cg = layer.c() / groups, kg = layer.k() / groups, r = layer.r(), taps = r * r;
        Shape ys = layer.y(n);
        int p = ys.dim(2), q = ys.dim(3), size = layer.size(), kSampled = kg / SAMPLE;
        float[] x = magnitudes(gaussian(1, layer.x(n).size(), 3)), dy = gaussian(4, ys.size(), 1e-3);
        float[] dw;
        try (Backend b = cpu(CpuOptions.ConvolutionAlgorithm.WINOGRAD); Tensor tx = upload(b, layer.x(n), x); Tensor tdy = upload(b, ys, dy);
             Tensor tdw = b.allocate(layer.w())) {
            b.conv2dBackwardFilter(tdw, tdy, tx, layer.spec());
            dw = download(b, tdw);
        }
        // the reference for filters k = SAMPLE * j of each group: their output gradient channels only
        float[] dySampled = new float[n * groups * kSampled * p * q];
        for (int image = 0; image < n; image++) {
            for (int j = 0; j < groups * kSampled; j++) {
                int k = j / kSampled * kg + j % kSampled * SAMPLE;
                System.arraycopy(dy, (image * layer.k() + k) * p * q, dySampled, (image * groups * kSampled + j) * p * q, p * q);
            }
        }
        float[] expected;
        Shape wSampled = Shape.of(groups * kSampled, cg, r, r);
        try (Backend ref = Backends.create("reference"); Tensor tx = upload(ref, layer.x(n), x); Tensor tdy = upload(ref, Shape.of(n, groups * kSampled, p, q), dySampled);
             Tensor tdw = ref.allocate(wSampled)) {
            ref.conv2dBackwardFilter(tdw, tdy, tx, layer.spec());
            expected = download(ref, tdw);
        }
        float[] actual = sampled(dw, 1, layer.k(), cg * taps);
        WinogradTransform t = WinogradTransform.of(Winograd.tile(geometry(layer, n), Winograd.Direction.FILTER, CpuOptions.ConvolutionAlgorithm.WINOGRAD), r);
        assertEquals(check.m(), t.m(), check + ": the tile side");
        int m = t.m(), alpha = t.alpha(), tilesY = (p + m - 1) / m, tilesX = (q + m - 1) / m, perImage = tilesY * tilesX;
        double[][] g = abs(t.g()), bt = abs(t.bt()), at = abs(t.at()), a = new double[alpha][m], gt = new double[r][alpha];
        for (int i = 0; i < alpha; i++) {
            for (int j = 0; j < m; j++) a[i][j] = at[j][i];
            for (int j = 0; j < r; j++) gt[j][i] = g[i][j];
        }
        double[] e = new double[expected.length];
        for (int group = 0; group < groups; group++) {
            for (int image = 0; image < n; image++) {
                for (int ty = 0; ty < tilesY; ty++) {
                    for (int tx = 0; tx < tilesX; tx++) {
                        double[][] inputs = inputTileBounds(bt, m, x, image, group, groups, cg, size, size, ty, tx, layer.pad());
                        for (int j = 0; j < kSampled; j++) {
                            double[] grad = new double[m * m];
                            int k = group * kg + j * SAMPLE;
                            for (int u = 0; u < m && ty * m + u < p; u++) {
                                for (int v = 0; v < m && tx * m + v < q; v++) grad[u * m + v] = Math.abs(dy[((image * layer.k() + k) * p + ty * m + u) * q + tx * m + v]);
                            }
                            double[] points = sandwich(a, grad, m);
                            for (int c = 0; c < cg; c++) {
                                double[] product = new double[alpha * alpha];
                                for (int i = 0; i < product.length; i++) product[i] = points[i] * inputs[c][i];
                                double[] back = sandwich(gt, product, alpha);
                                for (int i = 0; i < taps; i++) e[((group * kSampled + j) * cg + c) * taps + i] += back[i];
                            }
                        }
                    }
                }
            }
        }
        int blockImages = Math.min(n, (WinogradFilterGradient.BLOCK_TILES + perImage - 1) / perImage), blocks = (n + blockImages - 1) / blockImages;
        assertWithinBound(layer + " filter gradient", expected, actual, e, 2L * (m + 1) + 4L * (alpha + 1) + (long) blockImages * perImage + blocks + 1);
    }

    /**
     * conv1 (3 -> 96, 11x11, stride 4, 227x227; paper units: pixels of about +-100, weights ~ N(0, 0.01^2)) runs as
     * Winograd over its 16 stride phases ({@link PhaseSplit}): a 3x3 stride-1 convolution of 48 channels over 57x57
     * phase images, so the bound is that problem's (n = 2r + 4 alpha + 48 + 6, E over the phase images and filters,
     * whose zero taps add nothing).
     */
    @Test
    void conv1ByItsPhasesIsWithinTheDerivedBound() {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        int n = 1, c = 3, size = 227, k = 96, r = 11, stride = 4, taps = 3, phases = stride * stride, side = 57, p = 55;
        ConvSpec spec = ConvSpec.of(stride, 0, 1);
        Shape xs = Shape.of(n, c, size, size), wShape = Shape.of(k, c, r, r), ys = spec.outputShape(xs, wShape);
        float[] x = gaussian(1, xs.size(), 60), w = gaussian(2, wShape.size(), 0.01), bias = gaussian(3, k, 0.1);
        float[] actual, expected;
        try (Backend b = cpu(CpuOptions.ConvolutionAlgorithm.FAST); Tensor tx = upload(b, xs, x); Tensor tw = upload(b, wShape, w);
             Tensor tb = upload(b, Shape.of(k), bias); Tensor ty = b.allocate(ys)) {
            b.conv2dReluForward(ty, tx, tw, tb, spec);
            actual = download(b, ty);
        }
        try (Backend b = Backends.create("reference"); Tensor tx = upload(b, xs, x); Tensor tw = upload(b, wShape, w);
             Tensor tb = upload(b, Shape.of(k), bias); Tensor ty = b.allocate(ys)) {
            b.conv2dReluForward(ty, tx, tw, tb, spec);
            expected = download(b, ty);
        }
        // the phase images x_ij[c][u][v] = x[c][4u + i][4v + j] (zero past the image) and filters w_ij[k][c][a][b] = w[k][c][4a + i][4b + j]
        float[] phased = new float[c * phases * side * side];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < stride; i++) {
                for (int j = 0; j < stride; j++) {
                    for (int u = 0; u < side; u++) {
                        for (int v = 0; v < side; v++) {
                            int h = u * stride + i, col = v * stride + j;
                            if (h < size && col < size) phased[((ch * phases + i * stride + j) * side + u) * side + v] = x[(ch * size + h) * size + col];
                        }
                    }
                }
            }
        }
        WinogradTransform t = WinogradTransform.of(Winograd.tile(PhaseSplit.phased(Convolution.Geometry.of(xs, wShape, spec)), Winograd.Direction.FORWARD,
                CpuOptions.ConvolutionAlgorithm.FAST), taps);
        double[] e = magnitudeBound(t, phased, n, 1, c * phases, side, side, (group, row, channel) -> {
            int ch = channel / phases, i = channel % phases / stride, j = channel % stride;
            double[] f = new double[taps * taps];
            for (int a = 0; a < taps; a++) {
                for (int bb = 0; bb < taps; bb++) {
                    if (a * stride + i < r && bb * stride + j < r) f[a * taps + bb] = Math.abs(w[((row * c + ch) * r + a * stride + i) * r + bb * stride + j]);
                }
            }
            return f;
        }, k, p, p, 0);
        assertWithinBound("conv1 forward by phases", expected, actual, e, 2L * taps + 4L * t.alpha() + c * phases + 6);
    }

    /**
     * The filter gradient adds to dw (Backend: dw +=) by both of its Winograd paths: started from D it gives D plus
     * what it gives from zero, bit for bit (one block of images, and the phase path's one addition per filter tap, so
     * one rounding either way). The shapes leave vector and panel tails (35, 37, 33 channels; 3 and 5 a group), run
     * groups 2, the small tile sides F(2x2, 3x3) and F(2x2, 5x5), and conv1's 11x11 stride 4 by its phases with padding.
     */
    @Test
    void filterGradientAddsToDw() {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        record Shapes(Shape x, Shape w, ConvSpec spec) {}
        for (Shapes s : List.of(new Shapes(Shape.of(2, 70, 7, 7), Shape.of(74, 35, 3, 3), ConvSpec.of(1, 1, 2)),
                new Shapes(Shape.of(1, 40, 9, 9), Shape.of(33, 40, 5, 5), ConvSpec.of(1, 2, 1)),
                new Shapes(Shape.of(2, 6, 39, 39), Shape.of(10, 3, 11, 11), ConvSpec.of(4, 2, 2)))) {
            Convolution.Geometry g = Convolution.Geometry.of(s.x(), s.w(), s.spec());
            CpuOptions.ConvolutionAlgorithm winograd = CpuOptions.ConvolutionAlgorithm.WINOGRAD;
            boolean phases = s.spec().strideH() > 1;
            assertTrue(phases ? Winograd.tile(PhaseSplit.phased(g), Winograd.Direction.FILTER, winograd) > 0 : Winograd.tile(g, Winograd.Direction.FILTER, winograd) > 0, s
                    + " runs by Winograd");
            Shape ys = s.spec().outputShape(s.x(), s.w());
            float[] start = gaussian(3, s.w().size(), 1), fromZero, fromStart;
            try (Backend b = cpu(winograd); Tensor x = upload(b, s.x(), gaussian(1, s.x().size(), 1)); Tensor dy = upload(b, ys, gaussian(2, ys.size(), 1));
                 Tensor zero = upload(b, s.w(), new float[start.length]); Tensor dw = upload(b, s.w(), start)) {
                b.conv2dBackwardFilter(zero, dy, x, s.spec());
                b.conv2dBackwardFilter(dw, dy, x, s.spec());
                fromZero = download(b, zero);
                fromStart = download(b, dw);
            }
            float[] expected = new float[start.length];
            for (int i = 0; i < expected.length; i++) expected[i] = start[i] + fromZero[i];
            assertArrayEquals(expected, fromStart, s + ": the gradient from D is D + the gradient from zero");
        }
    }

    /**
     * A strided layer's phase filters follow its weights: after one weight changes in place, its forward by phases
     * equals, bit for bit, that of a backend that never saw the old weights (and differs from the forward before).
     */
    @Test
    void changedWeightsOfAStridedLayerAreSplitIntoPhasesAnew() {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        Shape xs = Shape.of(2, 3, 39, 39), ws = Shape.of(10, 3, 11, 11);
        ConvSpec spec = ConvSpec.of(4, 2, 1);
        CpuOptions.ConvolutionAlgorithm winograd = CpuOptions.ConvolutionAlgorithm.WINOGRAD;
        assertTrue(Winograd.tile(PhaseSplit.phased(Convolution.Geometry.of(xs, ws, spec)), Winograd.Direction.FORWARD, winograd) > 0, "runs by its phases");
        Shape ys = spec.outputShape(xs, ws);
        float[] x = gaussian(1, xs.size(), 1), w = gaussian(2, ws.size(), 1), changed = w.clone();
        changed[400] += 1; // a tap of the second filter (363 weights each), not the first weight
        float[] before, after, fresh;
        try (Backend b = cpu(winograd); Tensor tx = upload(b, xs, x); Tensor tw = upload(b, ws, w); Tensor ty = b.allocate(ys)) {
            b.conv2dForward(ty, tx, tw, null, spec);
            before = download(b, ty);
            b.copyFromHost(tw, changed, 0);
            b.conv2dForward(ty, tx, tw, null, spec);
            after = download(b, ty);
        }
        try (Backend b = cpu(winograd); Tensor tx = upload(b, xs, x); Tensor tw = upload(b, ws, changed); Tensor ty = b.allocate(ys)) {
            b.conv2dForward(ty, tx, tw, null, spec);
            fresh = download(b, ty);
        }
        assertFalse(Arrays.equals(before, after), "one weight changed changes the output");
        assertArrayEquals(fresh, after, "the forward after the change, as a backend that only saw the new weights computes it");
    }

    /**
     * One non-finite value put at (image, channel, y, x) of conv3's input (forward) and of its output gradient
     * (backward-data) at batch n, where the fast rule takes Winograd with m x m tiles.
     */
    record NonFinite(int n, int m, float value, int image, int channel, int y, int x, int tilesHit) {
        Layer layer() { return LAYERS.get(2); }
        int alpha() { return m + layer().r() - 1; }
        @Override public String toString() { return value + " at image " + image + " (" + y + ", " + x + ") of conv3 at batch " + n + ", " + m + "x" + m + " tiles"; }
    }

    static List<NonFinite> nonFiniteCases() {
        // 4x4 tiles read 6x6 windows of the input padded by 1: rows and columns -1..4, 3..8, 7..12, 11..16; 5x5 tiles
        // read 7x7: -1..5, 4..10, 9..15. (4, 8) lies in four windows; (0, 0) and (12, 12) in one; (2, 5) in two, image
        // 7's first two tiles, the 64th and 65th of the batch: two blocks of tiles at every vector width
        return List.of(new NonFinite(1, 4, Float.NaN, 0, 100, 4, 8, 4), new NonFinite(1, 4, Float.POSITIVE_INFINITY, 0, 100, 0, 0, 1),
                new NonFinite(8, 5, Float.NaN, 7, 100, 2, 5, 2), new NonFinite(8, 5, Float.POSITIVE_INFINITY, 3, 100, 12, 12, 1));
    }

    /**
     * The README's statement on non-finite inputs: every transform multiplies by each of its coefficients, zeros
     * included, so one non-finite element of a tile's alpha x alpha input window makes all of that tile's alpha^2
     * transformed values, then all its m x m outputs in every output channel, non-finite (0 x Inf is NaN, so
     * +Inf too), where a direct convolution reaches only the outputs within r - 1 of it. The windows of
     * neighbouring tiles overlap by r - 1, so up to four tiles in a plane are hit; every other output has the
     * bits of the clean run. The same for backward-data, its windows in the output gradient padded by r - 1 - pad.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nonFiniteCases")
    void aNonFiniteInputMakesEveryTileWhoseWindowHoldsItNonFiniteAndNoOther(NonFinite bad) {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        Layer layer = bad.layer();
        int n = bad.n();
        Shape xs = layer.x(n), ys = layer.y(n);
        CpuOptions.ConvolutionAlgorithm fast = CpuOptions.ConvolutionAlgorithm.FAST;
        assertEquals(bad.m(), Winograd.tile(geometry(layer, n), Winograd.Direction.FORWARD, fast), bad + ": the forward's tile side");
        assertEquals(bad.m(), Winograd.tile(geometry(layer, n), Winograd.Direction.DATA, fast), bad + ": backward-data's tile side");
        float[] x = magnitudes(gaussian(1, xs.size(), 3)), w = gaussian(2, layer.w().size(), 0.01), bias = gaussian(3, layer.k(), 0.1);
        float[] dy = gaussian(4, ys.size(), 1e-3), badX = x.clone(), badDy = dy.clone();
        badX[(int) ((((long) bad.image() * layer.c() + bad.channel()) * layer.size() + bad.y()) * layer.size() + bad.x())] = bad.value();
        badDy[(int) ((((long) bad.image() * layer.k() + bad.channel()) * ys.dim(2) + bad.y()) * ys.dim(3) + bad.x())] = bad.value();
        float[] y, dx, badY, badDx;
        try (Backend b = cpu(fast); Tensor tw = upload(b, layer.w(), w); Tensor tb = upload(b, Shape.of(layer.k()), bias); Tensor ty = b.allocate(ys);
             Tensor tdx = b.allocate(xs)) {
            try (Tensor tx = upload(b, xs, x); Tensor tdy = upload(b, ys, dy)) {
                b.conv2dReluForward(ty, tx, tw, tb, layer.spec());
                b.conv2dBackwardData(tdx, tdy, tw, layer.spec());
                y = download(b, ty);
                dx = download(b, tdx);
            }
            try (Tensor tx = upload(b, xs, badX); Tensor tdy = upload(b, ys, badDy)) {
                b.conv2dReluForward(ty, tx, tw, tb, layer.spec());
                b.conv2dBackwardData(tdx, tdy, tw, layer.spec());
                badY = download(b, ty);
                badDx = download(b, tdx);
            }
        }
        assertEquals(bad.tilesHit(), assertNonFiniteExactlyInTheTilesHoldingIt("forward " + bad, bad, layer.pad(), y, badY, layer.k(), ys.dim(2), ys.dim(3)),
                "forward " + bad + ": tiles hit per channel");
        assertEquals(bad.tilesHit(), assertNonFiniteExactlyInTheTilesHoldingIt("backward-data " + bad, bad, layer.r() - 1 - layer.pad(), dx, badDx, layer.c(),
                layer.size(), layer.size()), "backward-data " + bad + ": tiles hit per channel");
    }

    /**
     * Checks that in {@code bad} (n, channels, p, q) every output of every m x m tile whose input window (rows and
     * columns t*m - pad .. t*m - pad + alpha - 1) holds the bad element is non-finite, in every channel, and every
     * other output equals {@code clean} bit for bit. Returns the number of tiles hit in one channel.
     */
    private static int assertNonFiniteExactlyInTheTilesHoldingIt(String what, NonFinite bad, int pad, float[] clean, float[] badOut, int channels,
                                                                  int p, int q) {
        int m = bad.m(), alpha = bad.alpha(), images = clean.length / (channels * p * q);
        int hitRows = 0, hitColumns = 0;
        for (int t = 0; t * m < p; t++) if (holds(t, m, alpha, pad, bad.y())) hitRows++;
        for (int t = 0; t * m < q; t++) if (holds(t, m, alpha, pad, bad.x())) hitColumns++;
        for (int image = 0; image < images; image++) {
            for (int k = 0; k < channels; k++) {
                for (int oy = 0; oy < p; oy++) {
                    for (int ox = 0; ox < q; ox++) {
                        int i = ((image * channels + k) * p + oy) * q + ox;
                        boolean hit = image == bad.image() && holds(oy / m, m, alpha, pad, bad.y()) && holds(ox / m, m, alpha, pad, bad.x());
                        String at = what + ": output (" + image + ", " + k + ", " + oy + ", " + ox + ")";
                        if (hit) assertFalse(Float.isFinite(badOut[i]), at + " is in a tile whose window holds the bad element, yet " + badOut[i]);
                        else assertEquals(Float.floatToRawIntBits(clean[i]), Float.floatToRawIntBits(badOut[i]), at + ": " + clean[i] + " clean, " + badOut[i]);
                    }
                }
            }
        }
        return hitRows * hitColumns;
    }

    /** Whether tile row (or column) t of m outputs, reading alpha inputs from t*m - pad, reads input row (or column) at. */
    private static boolean holds(int t, int m, int alpha, int pad, int at) { return t * m - pad <= at && at < t * m - pad + alpha; }

    /** The planes of every SAMPLE-th channel (of each group alike, as channels are numbered across groups) of an (n, channels, plane) tensor. */
    private static float[] sampled(float[] all, int n, int channels, int plane) {
        float[] out = new float[n * channels / SAMPLE * plane];
        for (int image = 0; image < n; image++) {
            for (int j = 0; j < channels / SAMPLE; j++) System.arraycopy(all, (image * channels + j * SAMPLE) * plane, out, (image * channels / SAMPLE + j) * plane, plane);
        }
        return out;
    }

    private static Convolution.Geometry geometry(Layer layer, int n) {
        return Convolution.Geometry.of(layer.x(n), layer.w(), layer.spec());
    }

    @Test
    void fastTakesWinogradWhereItPaysAndTheGemmFamilyElsewhere() {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        CpuOptions.ConvolutionAlgorithm fast = CpuOptions.ConvolutionAlgorithm.FAST;
        for (Layer layer : LAYERS) {
            for (Winograd.Direction d : Winograd.Direction.values()) {
                assertEquals(layer.r() == 3 ? 5 : 4, Winograd.tile(geometry(layer, 4), d, fast), layer + " " + d + " at batch 4");
                assertEquals(0, Winograd.tile(geometry(layer, 4), d, CpuOptions.ConvolutionAlgorithm.EXACT), layer + " exact");
            }
        }
        // batch 1: conv2's 27x27 output is 49 tiles of 4x4; a 13x13 output only 9 of 5x5, 16 of 4x4 (two panels of GEMM
        // rows: the forward's and backward-data's least), 25 of 3x3, 49 of 2x2 (the filter gradient's least is 32);
        // at batch 2 and 3, 18 and 27 of 5x5, or 32 and 48 of 4x4
        for (Winograd.Direction d : Winograd.Direction.values()) {
            boolean filter = d == Winograd.Direction.FILTER;
            assertEquals(4, Winograd.tile(geometry(LAYERS.get(0), 1), d, fast));
            for (Layer layer : LAYERS.subList(2, LAYERS.size())) {
                assertEquals(filter ? 2 : 4, Winograd.tile(geometry(layer, 1), d, fast), layer + " " + d + " at batch 1");
                assertEquals(filter ? 4 : 5, Winograd.tile(geometry(layer, 2), d, fast), layer + " " + d + " at batch 2");
                assertEquals(filter ? 4 : 5, Winograd.tile(geometry(layer, 3), d, fast), layer + " " + d + " at batch 3");
            }
        }
        // too few tiles even of 2x2 (a 5x5 output: 9): the GEMM family
        assertEquals(0, Winograd.tile(Convolution.Geometry.of(Shape.of(1, 64, 5, 5), Shape.of(64, 64, 3, 3), ConvSpec.of(1, 1, 1)), Winograd.Direction.FORWARD, fast));
        // stride 4 (conv1): never directly; forward by its 48 phase channels of 3x3 taps at any batch (121 tiles of 55x55)
        Convolution.Geometry conv1 = Convolution.Geometry.of(Shape.of(1, 3, 227, 227), Shape.of(96, 3, 11, 11), ConvSpec.of(4, 0, 1));
        assertEquals(0, Winograd.tile(conv1, Winograd.Direction.FORWARD, CpuOptions.ConvolutionAlgorithm.WINOGRAD));
        assertEquals(5, Convolution.phasedTile(PhaseSplit.phased(conv1), Winograd.Direction.FORWARD, fast));
        // its filter gradient by phases only under winograd: under fast it measured no faster than the GEMM family
        assertEquals(0, Convolution.phasedTile(PhaseSplit.phased(conv1), Winograd.Direction.FILTER, fast));
        assertEquals(5, Convolution.phasedTile(PhaseSplit.phased(conv1), Winograd.Direction.FILTER, CpuOptions.ConvolutionAlgorithm.WINOGRAD));
        // too few channels, a 1x1 filter: never
        assertEquals(0, Winograd.tile(Convolution.Geometry.of(Shape.of(64, 16, 13, 13), Shape.of(64, 16, 3, 3), ConvSpec.of(1, 1, 1)), Winograd.Direction.FORWARD, fast));
        assertEquals(0, Winograd.tile(Convolution.Geometry.of(Shape.of(64, 64, 13, 13), Shape.of(64, 64, 1, 1), ConvSpec.of(1, 0, 1)), Winograd.Direction.FORWARD,
                CpuOptions.ConvolutionAlgorithm.WINOGRAD));
        // backward-data needs padding <= r - 1
        assertEquals(0, Winograd.tile(Convolution.Geometry.of(Shape.of(64, 64, 13, 13), Shape.of(64, 64, 3, 3), ConvSpec.of(1, 3, 1)), Winograd.Direction.DATA,
                CpuOptions.ConvolutionAlgorithm.WINOGRAD));
        // the filter gradient's block holds its images' output gradient planes, every filter's: 4096 planes of 1025 x 1025
        // overflow an int where the forward's blocks (one image's channel planes) fit
        Convolution.Geometry wide = Convolution.Geometry.of(Shape.of(1, 32, 1024, 1024), Shape.of(4096, 32, 3, 3), ConvSpec.of(1, 1, 1));
        assertEquals(5, Winograd.tile(wide, Winograd.Direction.FORWARD, CpuOptions.ConvolutionAlgorithm.WINOGRAD));
        assertEquals(0, Winograd.tile(wide, Winograd.Direction.FILTER, CpuOptions.ConvolutionAlgorithm.WINOGRAD));
    }

    @Test
    void changedWeightsAreTransformedAnewAndTheSameWeightsGiveTheSameBits() {
        assumeTrue(CpuConfig.VECTOR, "Winograd is a Vector API path");
        Layer layer = new Layer("small", 40, 11, 36, 3, 1, 1);
        int n = 3;
        float[] x = gaussian(1, layer.x(n).size(), 1), w = gaussian(2, layer.w().size(), 1), other = w.clone();
        other[17] += 1;
        try (Backend reference = Backends.create("reference"); CpuBackend winograd = cpu(CpuOptions.ConvolutionAlgorithm.WINOGRAD);
             Tensor rx = upload(reference, layer.x(n), x); Tensor rw = upload(reference, layer.w(), other); Tensor ry = reference.allocate(layer.y(n));
             Tensor tx = upload(winograd, layer.x(n), x); Tensor tw = upload(winograd, layer.w(), w); Tensor ty = winograd.allocate(layer.y(n))) {
            winograd.conv2dForward(ty, tx, tw, null, layer.spec());
            float[] first = download(winograd, ty);
            winograd.conv2dForward(ty, tx, tw, null, layer.spec());
            assertArrayEquals(first, download(winograd, ty), "the same weights again");
            // one weight changed in place (as an SGD step changes weights): the cached transform must not be used
            winograd.copyFromHost(tw, other, 0);
            winograd.conv2dForward(ty, tx, tw, null, layer.spec());
            reference.conv2dForward(ry, rx, rw, null, layer.spec());
            float[] expected = download(reference, ry), actual = download(winograd, ty);
            int taps = 9, cg = layer.c(), m = Winograd.tile(geometry(layer, n), Winograd.Direction.FORWARD, CpuOptions.ConvolutionAlgorithm.WINOGRAD);
            WinogradTransform t = WinogradTransform.of(m, 3);
            double[] e = magnitudeBound(t, x, n, 1, cg, layer.size(), layer.size(), (group, row, c) -> {
                double[] f = new double[taps];
                for (int i = 0; i < taps; i++) f[i] = Math.abs(other[(row * cg + c) * taps + i]);
                return f;
            }, layer.k(), layer.size(), layer.size(), layer.pad());
            assertWithinBound("after one weight changed", expected, actual, e, 6L + 4L * t.alpha() + cg + 6);
        }
    }
}
