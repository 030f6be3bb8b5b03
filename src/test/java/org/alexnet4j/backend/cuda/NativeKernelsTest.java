package org.alexnet4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.testing.Approx;
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
        for (String kernel : List.of("fill_float", "multiply_float", "lrn_scale", "dropout_forward", "softmax_rows",
                "softmax_cross_entropy_backward", "sgd_update", "adaptive_avg_pool_forward", "adaptive_avg_pool_backward")) {
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

    // ---- helpers -----------------------------------------------------------------------------

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
