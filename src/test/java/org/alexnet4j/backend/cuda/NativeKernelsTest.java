package org.alexnet4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.upload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions.Precision;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.HostTensors;
import org.alexnet4j.testing.Approx;
import org.alexnet4j.testing.Rounding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA C kernels without a GPU: the packaged source compiles with nvcc for sm_90 (the H100), and its
 * per-element functions, compiled for the host with the same source and run on the CPU, agree with
 * expectations computed here from the definitions: dropout masks bit for bit with CounterRng, adaptive
 * pooling windows, LRN scale, the paper's SGD step and the cross-entropy gradient. Skipped without nvcc.
 * (The GPU launches themselves are checked by the equivalence suite where a GPU is present.)
 */
class NativeKernelsTest {
    /** Float32 results of a few operations compared with a float64 evaluation: a few ulps of the inputs' magnitude. */
    private static final double ATOL = 1e-6, RTOL = 1e-6;

    @TempDir static Path work;
    private static Path nvcc;
    private static Path harness;

    @BeforeAll static void compileHarness() throws Exception {
        nvcc = findNvcc();
        assumeTrue(nvcc != null, "nvcc not found (set NVCC or put it on PATH): the kernel checks need the CUDA toolkit, not a GPU");
        Files.writeString(work.resolve("alexnet4j_kernels.cu"), CudaKernels.source());
        try (InputStream in = NativeKernelsTest.class.getResourceAsStream("kernel_harness.cu")) {
            Files.write(work.resolve("kernel_harness.cu"), in.readAllBytes());
        }
        harness = work.resolve("kernel_harness");
        run(List.of(nvcc.toString(), "-arch=sm_90", "--fmad=false", "-o", harness.toString(), work.resolve("kernel_harness.cu").toString()), "");
    }

    private static Path findNvcc() {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("NVCC") != null) candidates.add(System.getenv("NVCC"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) candidates.add(dir + "/nvcc");
        candidates.add("/usr/local/cuda/bin/nvcc");
        return candidates.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
    }

    @Test void packagedSourceCompilesToACubinForSm90WithTheRuntimeFlags() throws Exception {
        Path cubin = work.resolve("kernels.cubin");
        run(List.of(nvcc.toString(), "-arch=sm_90", "-cubin", "--fmad=false", "-o", cubin.toString(),
                work.resolve("alexnet4j_kernels.cu").toString()), "");
        String symbols = new String(Files.readAllBytes(cubin), StandardCharsets.ISO_8859_1);
        for (String kernel : CudaKernels.ENTRY_POINTS) {
            assertTrue(symbols.contains(kernel + "\0"), "the cubin lacks the extern \"C\" entry point " + kernel + " that CudaKernels loads");
        }
    }

    @Test void counterRngIsBitIdenticalToTheJavaOne() throws Exception {
        long[] seeds = {0, 42, -1, Long.MIN_VALUE, 0x123456789ABCDEFL};
        long[] indices = {0, 1, 2, 1_000_003, Integer.MAX_VALUE, 1L << 40};
        StringBuilder script = new StringBuilder();
        for (long seed : seeds) for (long index : indices) script.append("rng ").append(Long.toUnsignedString(seed)).append(' ').append(index).append('\n');
        List<long[]> lines = results(script.toString());
        int line = 0;
        for (long seed : seeds) {
            for (long index : indices) {
                long[] r = lines.get(line++);
                assertEquals(CounterRng.bits(seed, index), r[0], "bits(" + seed + ", " + index + ")");
                assertEquals(CounterRng.uniform(seed, index), Float.intBitsToFloat((int) r[1]), "uniform(" + seed + ", " + index + ")");
            }
        }
    }

    @Test void dropoutMasksEqualTheReferenceDefinition() throws Exception {
        int n = 1003;
        for (long seed : new long[] {7, -3}) {
            for (float p : new float[] {0.5f, 0.1f, 0f}) {
                float scale = (float) (1.0 / (1.0 - p)); // as CudaBackend passes it
                long[] r = results("dropout " + Long.toUnsignedString(seed) + " " + n + " " + bits(p) + " " + bits(scale) + "\n").get(0);
                for (int i = 0; i < n; i++) {
                    float expected = CounterRng.uniform(seed, i) < p ? 0f : scale;
                    assertEquals(expected, Float.intBitsToFloat((int) r[i]), "mask[" + i + "] for seed " + seed + ", p " + p);
                }
            }
        }
    }

    /** Shrinking, odd and growing (windows repeat) sizes, AlexNet's 13 -> 6 included. */
    @Test void adaptiveAveragePoolingMatchesPyTorchWindows() throws Exception {
        int[][] cases = {{2, 13, 11, 6, 5}, {3, 5, 7, 3, 3}, {1, 4, 3, 6, 5}, {2, 6, 6, 6, 6}};
        for (int[] c : cases) {
            int planes = c[0], h = c[1], w = c[2], p = c[3], q = c[4];
            float[] out = floats(results("pool " + planes + " " + h + " " + w + " " + p + " " + q + "\n").get(0));
            double[] y = new double[planes * p * q], dx = new double[planes * h * w];
            for (int plane = 0; plane < planes; plane++) {
                for (int i = 0; i < p; i++) {
                    for (int j = 0; j < q; j++) {
                        int h0 = Math.floorDiv(i * h, p), h1 = -Math.floorDiv(-(i + 1) * h, p);
                        int w0 = Math.floorDiv(j * w, q), w1 = -Math.floorDiv(-(j + 1) * w, q);
                        double count = (h1 - h0) * (w1 - w0), sum = 0, dy = value((long) (plane * p + i) * q + j + 7);
                        for (int a = h0; a < h1; a++) {
                            for (int b = w0; b < w1; b++) {
                                int index = (plane * h + a) * w + b;
                                sum += value(index);
                                dx[index] += dy / count;
                            }
                        }
                        y[(plane * p + i) * q + j] = sum / count;
                    }
                }
            }
            String name = "adaptive pool " + Arrays.toString(c);
            Approx.assertClose(name + " forward", y, Arrays.copyOfRange(toDoubles(out), 0, y.length), ATOL, RTOL);
            Approx.assertClose(name + " backward", dx, Arrays.copyOfRange(toDoubles(out), y.length, out.length), ATOL, RTOL);
        }
    }

    /** Channel windows clipped at both edges; sizes 5 (AlexNet) and 3 over 7 channels. */
    @Test void lrnScaleSumsTheCentredChannelWindow() throws Exception {
        int n = 2, channels = 7, spatial = 6;
        double alpha = 5e-4, k = 2;
        for (int size : new int[] {5, 3, 1}) {
            float alphaOverSize = (float) (alpha / size);
            float[] out = floats(results("lrn " + n + " " + channels + " " + spatial + " " + size + " " + bits(alphaOverSize) + " " + bits((float) k) + "\n").get(0));
            double[] expected = new double[n * channels * spatial];
            for (int image = 0; image < n; image++) {
                for (int c = 0; c < channels; c++) {
                    for (int s = 0; s < spatial; s++) {
                        double sum = 0;
                        for (int j = c - size / 2; j <= c + size / 2; j++) {
                            if (j >= 0 && j < channels) sum += Math.pow(value((image * channels + j) * spatial + s), 2);
                        }
                        expected[(image * channels + c) * spatial + s] = k + alpha / size * sum;
                    }
                }
            }
            Approx.assertClose("lrn scale, size " + size, expected, toDoubles(out), ATOL, RTOL);
        }
    }

    @Test void sgdStepIsThePapersForm() throws Exception {
        int n = 37;
        float lr = 0.01f, momentum = 0.9f, decay = 5e-4f;
        float[] out = floats(results("sgd " + n + " " + bits(lr) + " " + bits(momentum) + " " + bits(decay) + "\n").get(0));
        double[] weights = new double[n], velocity = new double[n];
        for (int i = 0; i < n; i++) {
            double w = value(i), v = value(i + 3) / 8, g = value(i + 5) / 4;
            velocity[i] = (double) momentum * v - (double) decay * lr * w - (double) lr * g;
            weights[i] = w + velocity[i];
        }
        Approx.assertClose("sgd weights", weights, Arrays.copyOfRange(toDoubles(out), 0, n), ATOL, RTOL);
        Approx.assertClose("sgd velocity", velocity, Arrays.copyOfRange(toDoubles(out), n, 2 * n), ATOL, RTOL);
    }

    @Test void crossEntropyGradientIsProbabilitiesMinusOneHotOverN() throws Exception {
        int rows = 3, classes = 11;
        float[] out = floats(results("crossentropy " + rows + " " + classes + "\n").get(0));
        double[] expected = new double[rows * classes];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < classes; c++) {
                int i = r * classes + c;
                expected[i] = (value(i) - (c == (7 * r) % classes ? 1 : 0)) / rows;
            }
        }
        Approx.assertClose("cross-entropy gradient", expected, toDoubles(out), ATOL, RTOL);
    }

    /** ReLU as Math.max(x, 0): NaN kept, -0 to +0, infinities; its gradient passes where y > 0 only. */
    @Test void reluPropagatesNaNAsTheReference() throws Exception {
        float[] x = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -3f, 2.5f};
        float[] out = floats(results("relu " + x.length + bitsOf(x) + "\n").get(0));
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(Math.max(x[i], 0f)), Float.floatToIntBits(out[i]), "relu(" + x[i] + ")");
            assertEquals(x[i] > 0 ? 1f : 0f, out[x.length + i], "relu gradient at y = " + x[i]);
        }
    }

    /**
     * Max pooling against the reference backend on inputs of -1, 0, 1 (ties in every window) with NaNs, and on
     * Gaussian inputs: forward bit for bit, backward (sums of at most 4 dy in another order) within 1e-6.
     */
    @Test void maxPoolingRoutesToTheFirstMaximumAndPropagatesNaNAsTheReference() throws Exception {
        PoolSpec[] specs = {PoolSpec.of(3, 2), new PoolSpec(3, 3, 2, 2, 1, 1), PoolSpec.of(2, 2), new PoolSpec(2, 3, 1, 2, 1, 1)};
        try (Backend reference = Backends.create("reference")) {
            for (PoolSpec spec : specs) {
                for (boolean ties : new boolean[] {true, false}) {
                    Shape xs = Shape.of(2, 3, 11, 13), ys = spec.outputShape(xs);
                    float[] x = HostTensors.gaussian(5, xs.size(), 1), dy = HostTensors.gaussian(6, ys.size(), 1);
                    if (ties) {
                        for (int i = 0; i < x.length; i++) x[i] = Math.max(-1, Math.min(1, Math.round(x[i])));
                        x[17] = Float.NaN;
                        x[300] = Float.NaN;
                    }
                    float[] out = floats(results("maxpool 6 11 13 " + ys.dim(2) + " " + ys.dim(3) + " " + spec.windowH() + " " + spec.windowW() + " "
                            + spec.strideH() + " " + spec.strideW() + " " + spec.padH() + " " + spec.padW() + bitsOf(x) + bitsOf(dy) + "\n").get(0));
                    float[] y = download(reference, run(reference, ys, t -> reference.maxPoolForward(t, upload(reference, xs, x), spec)));
                    float[] dx = download(reference, run(reference, xs, t -> reference.maxPoolBackward(t, upload(reference, ys, dy),
                            upload(reference, ys, y), upload(reference, xs, x), spec)));
                    String name = "max pool " + spec + (ties ? " with ties and NaNs" : "");
                    Approx.assertClose(name + " forward", y, Arrays.copyOfRange(out, 0, y.length), 0, 0);
                    Approx.assertClose(name + " backward", dx, Arrays.copyOfRange(out, y.length, out.length), 1e-6, 1e-6);
                }
            }
        }
    }

    /** float32 -> half against Java's Float.floatToFloat16 (round to nearest even), across every binade, subnormals and specials. */
    @Test void halfConversionRoundsToNearestEven() throws Exception {
        float[] x = conversionInputs();
        long[] r = results("to16 1 " + x.length + bitsOf(x) + "\n").get(0);
        for (int i = 0; i < x.length; i++) {
            short expected = Float.floatToFloat16(x[i]);
            if (Float.isNaN(x[i])) {
                assertTrue(Float.isNaN(Float.float16ToFloat((short) r[i])), "half(NaN) is NaN");
                continue;
            }
            assertEquals(expected & 0xffff, r[i], "half bits of " + x[i] + " (" + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ")");
            assertEquals(Float.float16ToFloat(expected), Float.intBitsToFloat((int) r[x.length + i]), "half value of " + x[i]);
        }
    }

    /** float32 -> bfloat16: the nearer of the two bfloat16 neighbours (ties to the even one), past the largest to infinity. */
    @Test void bfloat16ConversionRoundsToNearestEven() throws Exception {
        float[] x = conversionInputs();
        long[] r = results("to16 0 " + x.length + bitsOf(x) + "\n").get(0);
        for (int i = 0; i < x.length; i++) {
            float got = Float.intBitsToFloat((int) r[x.length + i]);
            if (Float.isNaN(x[i]) || Float.isInfinite(x[i])) {
                assertEquals(Float.floatToIntBits(x[i]), Float.floatToIntBits(got), "bfloat16 of " + x[i]);
                continue;
            }
            float expected = Rounding.round(x[i], Precision.BF16);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                    "bfloat16 of " + x[i] + " (" + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ")");
            assertEquals(Float.floatToRawIntBits(expected) >>> 16, r[i], "bfloat16 bits of " + x[i]);
        }
    }

    /** The power-of-two scale puts the largest magnitude into (target/2, target] (scales at most 2^64); 0 gives 1, non-finite gives NaN. */
    @Test void halfOperandScalesArePowersOfTwoThatBoundTheLargestMagnitude() throws Exception {
        float target = 0.25f;
        float[] amax = {1f, 0.75f, 4f, 5f, 1e-30f, 3e38f, Float.MIN_VALUE, 0f, Float.NaN, Float.POSITIVE_INFINITY};
        float[] scales = floats(results("scale " + amax.length + " " + bits(target) + bitsOf(amax) + "\n").get(0));
        for (int i = 0; i < amax.length; i++) {
            float scale = scales[i];
            if (amax[i] == 0) assertEquals(1f, scale, "scale for amax 0");
            else if (!Float.isFinite(amax[i])) assertTrue(Float.isNaN(scale), "scale for amax " + amax[i] + ": " + scale);
            else if (target / amax[i] > 0x1p64) assertEquals(0x1p64f, scale, "the scale of a tiny amax " + amax[i] + " is capped");
            else {
                double scaled = (double) amax[i] * scale;
                assertTrue(scaled > target / 2 && scaled <= target, "amax " + amax[i] + " * scale " + scale + " = " + scaled);
                assertEquals(Math.scalb(1.0, Math.getExponent((double) scale)), scale, "scale " + scale + " is a power of two");
            }
        }
    }

    @Test void nhwcIndexTransposesChannelsLast() throws Exception {
        int N = 2, C = 3, H = 4, W = 5;
        long[] r = results("nhwc " + N + " " + C + " " + H + " " + W + "\n").get(0);
        for (int n = 0, i = 0; n < N; n++) for (int c = 0; c < C; c++) for (int h = 0; h < H; h++) for (int w = 0; w < W; w++, i++) {
            assertEquals(((n * H + h) * W + w) * C + c, r[i], "NHWC index of (" + n + ", " + c + ", " + h + ", " + w + ")");
        }
    }

    /** Every binade from 2^-30 to 2^20 with random mantissas, halfway cases of both formats, the edges of half's range and specials. */
    private static float[] conversionInputs() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        List<Float> values = new ArrayList<>(List.of(0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, 65504f, 65519.99f, 65520f, -65520f, 0x1p-14f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f,
                0x1.ff8p-15f, Float.intBitsToFloat(0x7f7f8000), Float.intBitsToFloat(0x7f7f7fff)));
        for (int exponent = -30; exponent <= 20; exponent++) {
            for (int k = 0; k < 40; k++) {
                float v = Math.scalb(1f + (float) random.nextDouble(), exponent) * (random.nextBoolean() ? 1 : -1);
                values.add(v);
                int bits = Float.floatToRawIntBits(v);
                values.add(Float.intBitsToFloat((bits & 0xffff0000) | 0x8000)); // halfway between two bfloat16
                values.add(Float.intBitsToFloat((bits & 0xffffe000) | 0x1000)); // halfway between two normal halves
            }
        }
        float[] x = new float[values.size()];
        for (int i = 0; i < x.length; i++) x[i] = values.get(i);
        return x;
    }

    private interface Fill { void into(Tensor t); }

    private static Tensor run(Backend backend, Shape shape, Fill op) {
        Tensor t = backend.allocate(shape);
        op.into(t);
        return t;
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static String bitsOf(float[] values) {
        StringBuilder s = new StringBuilder();
        for (float v : values) s.append(' ').append(bits(v));
        return s.toString();
    }

    /** The harness's inputs: multiples of 1/16, exact in float and double. */
    private static float value(long i) { return (float) (((i * 37) % 101) - 50) / 16.0f; }

    private static String bits(float f) { return Integer.toUnsignedString(Float.floatToRawIntBits(f)); }

    private static float[] floats(long[] bits) {
        float[] f = new float[bits.length];
        for (int i = 0; i < f.length; i++) f[i] = Float.intBitsToFloat((int) bits[i]);
        return f;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Runs the harness on {@code script}; one array of unsigned numbers per output line. */
    private static List<long[]> results(String script) throws Exception {
        List<long[]> lines = new ArrayList<>();
        for (String line : run(List.of(harness.toString()), script).split("\n")) {
            lines.add(Arrays.stream(line.trim().split(" ")).mapToLong(Long::parseUnsignedLong).toArray());
        }
        return lines;
    }

    private static String run(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }
}
