package org.alexnet4j.backend.cpu;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.gaussian;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A small batch's FC forward on frozen weights skips the zero inputs' weights ({@link ZeroSkippingLinear}) and gives
 * the bits of the same layer on writable weights (rowDots), output by output: inputs after a ReLU (a third zero in
 * every image and half the rest, some -0, tiny products that round to zero), inputs past the last whole vector,
 * outputs past the last whole vector, 1 to 4 images, 1 to 3 threads, and a non-finite weight whose input is zero
 * (NaN, as the full sum has it); the weights as they are where few inputs are zero, or without memory for the
 * transposed weights.
 */
class ZeroSkippingLinearTest {
    @ParameterizedTest(name = "n {0}, in {1}, out {2}, {3} threads")
    @CsvSource({"1, 512, 2048, 2", "1, 203, 2061, 2", "3, 200, 2100, 2", "4, 64, 2048, 1", "2, 1037, 2063, 3"})
    void frozenWeightsGiveTheBitsOfWritableOnes(int n, int in, int out, int threads) {
        Assumptions.assumeTrue(ZeroSkippingLinear.applies(out), "the vector path only");
        float[] x = gaussian(1, (long) n * in, 1), w = gaussian(2, (long) out * in, 0.05), bias = gaussian(3, out, 1);
        for (int i = 0; i < x.length; i++) {
            // a ReLU's output, with some -0: every third input zero in every image (its weights not read), half the rest
            if (x[i] < 0 || i % in % 3 == 0) x[i] = i % 7 == 0 ? -0f : 0f;
            else if (i % 11 == 0) x[i] = 1e-30f; // products far below the smallest float
        }
        w[5 * in + 3] = Float.POSITIVE_INFINITY; // ... unless one of them is not finite
        float[] writable = forward(threads, x, w, bias, n, in, out, false), frozen = forward(threads, x, w, bias, n, in, out, true);
        for (int i = 0; i < n; i++) assertTrue(Float.isNaN(frozen[i * out + 5]), "inf x 0 in output 5 of image " + i);
        for (int j = 0; j < writable.length; j++) {
            float a = writable[j], b = frozen[j];
            assertEquals(Float.floatToIntBits(a), Float.floatToIntBits(b), "output " + j + ": " + b + " frozen, " + a + " writable");
        }
    }

    /** The transposed rows are read where at least an eighth of the inputs are zero, the weights as they are elsewhere. */
    @Test
    void theTransposedRowsAreReadWhereEnoughInputsAreZero() {
        int in = 256, out = ZeroSkippingLinear.MIN_OUTPUTS;
        Assumptions.assumeTrue(ZeroSkippingLinear.applies(out), "the vector path only");
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2); Scratch scratch = new Scratch();
             ZeroSkippingLinear linear = new ZeroSkippingLinear(pool, scratch)) {
            MemorySegment w = arena.allocate(4L * out * in, 64), x = arena.allocate(4L * in, 64), y = arena.allocate(4L * out, 64);
            w.fill((byte) 0x3c); // every weight about 0.0118
            for (int zeros : new int[] {0, in / ZeroSkippingLinear.SKIPPED - 1, in / ZeroSkippingLinear.SKIPPED, in}) {
                for (int k = 0; k < in; k++) x.setAtIndex(ValueLayout.JAVA_FLOAT, k, k < zeros ? 0f : 1f);
                assertEquals(zeros >= in / ZeroSkippingLinear.SKIPPED, linear.forward(y, x, w.asReadOnly(), null, 1, in, out), zeros + " inputs zero");
            }
        }
    }

    /**
     * Where the transposed weights do not fit in memory, the frozen layer reads its weights as they are: a JVM whose
     * heap may still grow by a TiB has no native allocation of 16 MiB or more to give (HostLimits), and the layer's
     * transposed copy (2049 outputs padded to whole vectors, a zero row and flags) needs more than that while its
     * weights need less.
     */
    @Test
    void withoutMemoryForTheTransposedWeightsTheWeightsAreReadAsTheyAre() throws Exception {
        Assumptions.assumeTrue(ZeroSkippingLinear.applies(2049), "the vector path only");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx1t",
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        String bits = System.getProperty("alexnet4j.cpu.vectorBits");
        if (bits != null) command.add("-Dalexnet4j.cpu.vectorBits=" + bits);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ShortOfMemory.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), output);
        assertTrue(output.contains("frozen: the bits of the writable weights"), output);
    }

    /** The child of {@link #withoutMemoryForTheTransposedWeightsTheWeightsAreReadAsTheyAre}. */
    static final class ShortOfMemory {
        public static void main(String[] args) {
            int n = 1, in = 2040, out = 2049;
            float[] x = gaussian(1, in, 1), w = gaussian(2, (long) out * in, 0.05), bias = gaussian(3, out, 1);
            for (int i = 0; i < in; i++) x[i] = Math.max(0f, x[i]);
            float[] writable = forward(2, x, w, bias, n, in, out, false), frozen = forward(2, x, w, bias, n, in, out, true);
            for (int j = 0; j < out; j++) {
                if (Float.floatToIntBits(writable[j]) != Float.floatToIntBits(frozen[j])) throw new AssertionError("output " + j + " differs");
            }
            System.out.println("frozen: the bits of the writable weights");
        }
    }

    private static float[] forward(int threads, float[] x, float[] w, float[] bias, int n, int in, int out, boolean freeze) {
        try (Backend cpu = new CpuBackend(BackendOptions.defaults().withThreads(threads)); Tensor xs = upload(cpu, Shape.of(n, in), x);
             Tensor ws = upload(cpu, Shape.of(out, in), w); Tensor bs = upload(cpu, Shape.of(out), bias); Tensor y = cpu.allocate(Shape.of(n, out))) {
            if (freeze) cpu.freeze(ws);
            for (int call = 0; call < 2; call++) cpu.linearForward(y, xs, ws, bs); // the second from the kept transposed weights
            return download(cpu, y);
        }
    }
}
