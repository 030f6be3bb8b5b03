package org.alexnet4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.benchmark.ThroughputBenchmark;
import org.alexnet4j.model.AlexNet;
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
 * Each AlexNet layer's forward and backward (data and parameter gradients) at a batch, with the shapes of
 * the network at 227 (single-tower unless the name says g2, the paper's two towers), the weights frozen as a
 * deployed model's are ({@link Backend#freeze}: no layer writes them). Setup runs both on the
 * backend and on the reference at batch min(4, batch) and compares every output before the timed tensors are made, then
 * runs the layer until the backend's per-shape choices are made ({@link Backend#tuning()}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class LayerBenchmark {
    @Param({"conv1", "conv2", "conv2g2", "conv3", "conv4", "conv4g2", "conv5", "conv5g2", "lrn1", "lrn2", "pool1", "pool2", "pool5",
            "relu1", "fc6", "fc7", "fc8"})
    public String layer;
    @Param({"64"}) public int batch;
    @Param({"cpu"}) public String backend;
    /** The cpu backend's convolution algorithm setting (CpuOptions.ConvolutionAlgorithm): fast, exact or winograd. */
    @Param({"fast"}) public String convolution;
    /**
     * Whether each timed call follows a batch-1 fc6 forward (151 MB of weights streamed, untimed), as every layer
     * of a batch-1 network does: its data, filters and page translations come from memory, not from the caches.
     */
    @Param({"false"}) public boolean cold;

    /** One layer on one backend: its tensors, a forward and a backward. */
    interface Layer {
        void forward();
        void backward();
        /** Every tensor the layer writes, for the setup comparison. */
        List<Tensor> outputs();
    }

    private Backend engine;
    private Layer timed, sweep;

    static Tensor random(Backend b, Shape shape, long seed, double scale) { return Checks.upload(b, shape, Checks.gaussian(seed, shape.size(), scale)); }

    /** conv with input (n, c, size, size), k filters of r x r. */
    static Layer conv(Backend b, int n, int c, int size, int k, int r, ConvSpec spec) {
        Tensor x = random(b, Shape.of(n, c, size, size), 1, 1), w = random(b, Shape.of(k, c / spec.groups(), r, r), 2, 0.01);
        Tensor bias = random(b, Shape.of(k), 3, 1);
        b.freeze(w);
        Shape ys = spec.outputShape(x.shape(), w.shape());
        Tensor y = b.allocate(ys), dy = random(b, ys, 4, 1), dx = b.allocate(x.shape()), dw = b.allocate(w.shape()), db = b.allocate(bias.shape());
        return new Layer() {
            public void forward() { b.conv2dForward(y, x, w, bias, spec); }
            public void backward() {
                b.conv2dBackwardData(dx, dy, w, spec);
                b.conv2dBackwardFilter(dw, dy, x, spec);
                b.biasBackward(db, dy);
            }
            public List<Tensor> outputs() { return List.of(y, dx, dw, db); }
        };
    }

    static Layer linear(Backend b, int n, int in, int out) {
        Tensor x = random(b, Shape.of(n, in), 1, 1), w = random(b, Shape.of(out, in), 2, 0.01), bias = random(b, Shape.of(out), 3, 1);
        Tensor y = b.allocate(Shape.of(n, out)), dy = random(b, y.shape(), 4, 1), dx = b.allocate(x.shape()), dw = b.allocate(w.shape());
        Tensor db = b.allocate(bias.shape());
        b.freeze(w);
        return new Layer() {
            public void forward() { b.linearForward(y, x, w, bias); }
            public void backward() {
                b.linearBackwardData(dx, dy, w);
                b.linearBackwardWeight(dw, dy, x);
                b.biasBackward(db, dy);
            }
            public List<Tensor> outputs() { return List.of(y, dx, dw, db); }
        };
    }

    static Layer lrn(Backend b, int n, int c, int size) {
        Shape s = Shape.of(n, c, size, size);
        Tensor x = random(b, s, 1, 30), y = b.allocate(s), scale = b.allocate(s), dy = random(b, s, 4, 1), dx = b.allocate(s);
        return new Layer() {
            public void forward() { b.lrnForward(y, scale, x, AlexNet.PAPER_LRN); }
            public void backward() { b.lrnBackward(dx, dy, y, scale, x, AlexNet.PAPER_LRN); }
            public List<Tensor> outputs() { return List.of(y, scale, dx); }
        };
    }

    static Layer pool(Backend b, int n, int c, int size) {
        PoolSpec spec = PoolSpec.of(3, 2);
        Tensor x = random(b, Shape.of(n, c, size, size), 1, 1);
        Shape ys = spec.outputShape(x.shape());
        Tensor y = b.allocate(ys), dy = random(b, ys, 4, 1), dx = b.allocate(x.shape());
        return new Layer() {
            public void forward() { b.maxPoolForward(y, x, spec); }
            public void backward() { b.maxPoolBackward(dx, dy, y, x, spec); }
            public List<Tensor> outputs() { return List.of(y, dx); }
        };
    }

    static Layer relu(Backend b, int n, int c, int size) {
        Shape s = Shape.of(n, c, size, size);
        Tensor x = random(b, s, 1, 1), y = b.allocate(s), dy = random(b, s, 4, 1), dx = b.allocate(s);
        return new Layer() {
            public void forward() { b.reluForward(y, x); }
            public void backward() { b.reluBackward(dx, dy, y); }
            public List<Tensor> outputs() { return List.of(y, dx); }
        };
    }

    static Layer create(String name, Backend b, int n) {
        return switch (name) {
            case "conv1" -> conv(b, n, 3, 227, 96, 11, ConvSpec.of(4, 0, 1));
            case "conv2" -> conv(b, n, 96, 27, 256, 5, ConvSpec.of(1, 2, 1));
            case "conv2g2" -> conv(b, n, 96, 27, 256, 5, ConvSpec.of(1, 2, 2));
            case "conv3" -> conv(b, n, 256, 13, 384, 3, ConvSpec.of(1, 1, 1));
            case "conv4" -> conv(b, n, 384, 13, 384, 3, ConvSpec.of(1, 1, 1));
            case "conv4g2" -> conv(b, n, 384, 13, 384, 3, ConvSpec.of(1, 1, 2));
            case "conv5" -> conv(b, n, 384, 13, 256, 3, ConvSpec.of(1, 1, 1));
            case "conv5g2" -> conv(b, n, 384, 13, 256, 3, ConvSpec.of(1, 1, 2));
            case "lrn1" -> lrn(b, n, 96, 55);
            case "lrn2" -> lrn(b, n, 256, 27);
            case "pool1" -> pool(b, n, 96, 55);
            case "pool2" -> pool(b, n, 256, 27);
            case "pool5" -> pool(b, n, 256, 13);
            case "relu1" -> relu(b, n, 96, 55);
            case "fc6" -> linear(b, n, 9216, 4096);
            case "fc7" -> linear(b, n, 4096, 4096);
            case "fc8" -> linear(b, n, 4096, 1000);
            default -> throw new IllegalArgumentException("unknown layer " + name);
        };
    }

    /**
     * Runs the layer at batch min(4, batch) (the smallest at which the cpu backend's fast setting takes the
     * algorithms it takes at larger batches) on the backend and on the reference and compares every output: rtol
     * 1e-3 with 1e-4 of the largest magnitude (float32 sums of up to 9216 terms against float64; Winograd's
     * rounding stays within 3e-5 of it, bench/RESULTS.md).
     */
    @Setup(Level.Trial) public void setUp() {
        CpuOptions.ConvolutionAlgorithm algorithm = CpuOptions.ConvolutionAlgorithm.valueOf(convolution.toUpperCase(java.util.Locale.ROOT));
        engine = Backends.create(backend, BackendOptions.defaults().withCpu(CpuOptions.defaults().withConvolution(algorithm)));
        try (Backend reference = Backends.create("reference")) {
            int checked = Math.min(4, batch);
            Layer expected = create(layer, reference, checked), actual = create(layer, engine, checked);
            expected.forward();
            expected.backward();
            actual.forward();
            actual.backward();
            List<Tensor> want = expected.outputs(), got = actual.outputs();
            for (int i = 0; i < want.size(); i++) {
                Checks.close(backend + " " + layer + " output " + i, Checks.download(reference, want.get(i)), Checks.download(engine, got.get(i)), 1e-3, 1e-4);
            }
            new ArrayList<>(got).forEach(Tensor::close);
        }
        timed = create(layer, engine, batch);
        timed.forward(); // backward reads what forward saved (pooling's y, LRN's scale)
        for (int i = 0; engine.tuning() && i < ThroughputBenchmark.TUNING_STEPS; i++) { // the backend's per-shape choices settle
            timed.forward();
            timed.backward();
        }
        if (cold) sweep = create("fc6", engine, 1);
    }

    @Setup(Level.Invocation) public void sweepCaches() {
        if (sweep == null) return;
        sweep.forward();
        engine.synchronize();
    }

    @Benchmark public void forward() {
        timed.forward();
        engine.synchronize();
    }

    @Benchmark public void backward() {
        timed.backward();
        engine.synchronize();
    }

    @TearDown(Level.Trial) public void tearDown() { engine.close(); }
}
