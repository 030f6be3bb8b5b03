package org.alexnet4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM C (M x N) = A (M x K) B (K x N) on a backend, through linearBackwardData (dx = dy w), which is
 * exactly that product with row-major operands. Shapes "MxNxK": squares and AlexNet's per-image (per-group)
 * conv GEMMs and its batch-64 FC GEMMs. GFLOP/s = 2 M N K / time. Setup checks 256 entries of C against
 * float64 dot products.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class SgemmBenchmark {
    @Param({"256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
            "96x3025x363", "256x729x2400", "128x729x1200", "384x169x2304", "384x169x3456", "256x169x3456", "192x169x1728",
            "64x4096x9216", "64x9216x4096", "4096x9216x64"})
    public String shape;
    @Param({"cpu"}) public String backend;
    /** Worker threads (0 = all processors). */
    @Param({"0"}) public int threads;

    private Backend engine;
    private Tensor a, b, c;

    @Setup(Level.Trial) public void setUp() {
        String[] d = shape.split("x");
        int m = Integer.parseInt(d[0]), n = Integer.parseInt(d[1]), k = Integer.parseInt(d[2]);
        engine = Backends.create(backend, BackendOptions.defaults().withThreads(threads));
        Random random = new Random(1);
        float[] av = gaussian(random, (long) m * k), bv = gaussian(random, (long) k * n);
        a = engine.allocate(Shape.of(m, k));
        b = engine.allocate(Shape.of(k, n));
        c = engine.allocate(Shape.of(m, n));
        engine.copyFromHost(a, av, 0);
        engine.copyFromHost(b, bv, 0);
        multiply();
        float[] cv = Checks.download(engine, c);
        for (int t = 0; t < 256; t++) {
            int i = random.nextInt(m), j = random.nextInt(n);
            double dot = 0, magnitude = 0;
            for (int p = 0; p < k; p++) {
                dot += (double) av[i * k + p] * bv[p * n + j];
                magnitude += Math.abs((double) av[i * k + p] * bv[p * n + j]);
            }
            if (Math.abs(cv[i * n + j] - dot) > 1e-5 * magnitude) {
                throw new IllegalStateException(backend + " SGEMM " + shape + ": C[" + i + "][" + j + "] = " + cv[i * n + j] + ", expected " + dot);
            }
        }
    }

    private static float[] gaussian(Random random, long count) {
        float[] v = new float[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    @Benchmark public void multiply() {
        engine.linearBackwardData(c, a, b);
        engine.synchronize();
    }

    @TearDown(Level.Trial) public void tearDown() { engine.close(); }
}
