package org.alexnet4j.bench.peers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.benchmark.ThroughputBenchmark;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * alexnet4j side by side with its peers on the single-tower AlexNet (227x227, LRN, 1000 classes): ONNX Runtime
 * (CPU execution provider) for the forward, libtorch for the training step, each with the same thread count.
 * One measurement per process (bench/peers.sh alternates them):
 * <pre>
 *   Peers weights FILE                        alexnet4j's initial weights (He init, seed 1) as safetensors
 *   Peers ENGINE MODE BATCH THREADS STEPS     ENGINE alexnet4j|onnxruntime|libtorch, MODE forward|train
 *         [--onnx FILE] [--weights FILE]      the model for onnxruntime, the weights for libtorch
 *         [--warmup SECONDS]                  untimed steps first, at least 3 and this long (default 10)
 * </pre>
 * Each peer is first checked against alexnet4j on the same weights and input: its logits within 1e-3 of the
 * largest (float32 networks summing in other orders agree to about 1e-5 of it). Then every engine steps untimed
 * for the warm-up (alexnet4j also until its per-shape choices are made; the JIT compiles its kernels over the
 * first seconds, more of them at batch 1, where a step is short) and {@code STEPS} steps are timed; the line printed
 * has the median and best step, images per second and GFLOP/s at alexnet4j's count of the network's work.
 */
public final class Peers {
    private Peers() {}

    static final long SEED = 1;
    static final AlexNet.Config CONFIG = AlexNet.Config.of(AlexNet.Variant.SINGLE_TOWER).withWeightInit(AlexNet.WeightInit.HE);

    /** One engine's network at one batch size: a timed step and its logits on an input (evaluation mode). */
    interface Engine extends AutoCloseable {
        /** One step on the engine's own batch; returns a value that depends on the result (the loss, or a logit). */
        float step();
        /** Logits (batch x classes) of {@code images} in evaluation mode. */
        float[] logits(float[] images, int batch);
        @Override void close();
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        if (args.length == 2 && args[0].equals("weights")) {
            writeWeights(Path.of(args[1]));
            return;
        }
        if (args.length < 5) {
            System.err.println("usage: Peers weights FILE | Peers alexnet4j|onnxruntime|libtorch forward|train BATCH THREADS STEPS [--onnx FILE] [--weights FILE] [--warmup SECONDS]");
            System.exit(2);
        }
        String engineName = args[0];
        ThroughputBenchmark.Mode mode = ThroughputBenchmark.Mode.parse(args[1]);
        int batch = Integer.parseInt(args[2]), threads = Integer.parseInt(args[3]), steps = Integer.parseInt(args[4]);
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 5; i + 1 < args.length; i += 2) options.put(args[i], args[i + 1]);
        try (Backend cpu = Backends.create("cpu", BackendOptions.defaults().withThreads(threads));
             Engine engine = open(engineName, cpu, mode, batch, threads, options)) {
            if (!engineName.equals("alexnet4j")) check(engineName, engine, cpu, threads);
            long warmupEnd = System.nanoTime() + (long) (Double.parseDouble(options.getOrDefault("--warmup", "10")) * 1e9);
            for (int i = 0; i < 3 || System.nanoTime() < warmupEnd; i++) engine.step();
            double[] ms = new double[steps];
            float sink = 0;
            for (int i = 0; i < steps; i++) {
                long start = System.nanoTime();
                sink += engine.step();
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
            if (!Float.isFinite(sink) && mode == ThroughputBenchmark.Mode.TRAIN) throw new IllegalStateException(engineName + ": a training loss is not finite");
            Arrays.sort(ms);
            double median = ms[steps / 2], flops = flopsPerImage(mode);
            System.out.printf("%-11s %-7s batch %3d threads %d: median %8.2f ms, best %8.2f ms, %7.1f img/s, %6.1f GFLOP/s (%d steps)%n",
                    engineName, args[1], batch, threads, median, ms[0], batch * 1e3 / median, flops * batch / median / 1e6, steps);
        }
    }

    static double flopsPerImage(ThroughputBenchmark.Mode mode) {
        Architecture a = AlexNet.architecture(CONFIG);
        return mode == ThroughputBenchmark.Mode.TRAIN ? ThroughputBenchmark.trainFlopsPerImage(a) : ThroughputBenchmark.forwardFlopsPerImage(a);
    }

    private static Engine open(String name, Backend cpu, ThroughputBenchmark.Mode mode, int batch, int threads, Map<String, String> options) throws Exception {
        return switch (name) {
            case "alexnet4j" -> new Ours(cpu, mode, batch);
            case "onnxruntime" -> {
                if (mode != ThroughputBenchmark.Mode.FORWARD) throw new IllegalArgumentException("onnxruntime runs the forward only");
                yield new OnnxRuntimeEngine(Path.of(required(options, "--onnx")), batch, threads);
            }
            case "libtorch" -> new LibtorchEngine(Path.of(required(options, "--weights")), mode, batch, threads);
            default -> throw new IllegalArgumentException("unknown engine " + name + "; known: alexnet4j, onnxruntime, libtorch");
        };
    }

    private static String required(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) throw new IllegalArgumentException("missing " + key + " FILE");
        return value;
    }

    /** Standard-normal images, the same for every engine. */
    static float[] images(int batch, long seed) {
        Random random = new Random(seed);
        float[] v = new float[batch * 3 * 227 * 227];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    /** The peer's logits on two images against alexnet4j's on the same weights; throws when they are not the same network. */
    private static void check(String name, Engine peer, Backend cpu, int threads) {
        int batch = 2;
        float[] images = images(batch, 7), theirs = peer.logits(images, batch), ours;
        try (Sequential net = AlexNet.create(cpu, CONFIG, SEED); Tensor x = cpu.allocate(Architecture.withBatch(CONFIG.inputShape(), batch))) {
            cpu.copyFromHost(x, images, 0);
            Tensor logits = net.forward(x, false);
            ours = new float[(int) logits.size()];
            cpu.copyToHost(ours, 0, logits);
        }
        double max = 0, worst = 0;
        for (float v : ours) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
        if (!(worst <= 1e-3 * max)) throw new IllegalStateException(name + " computes another network: logits differ by " + worst + " (largest " + max + ")");
        System.out.printf("check: %s logits within %.2e of alexnet4j's (largest %.3f)%n", name, worst, max);
    }

    /** alexnet4j's initial weights with its parameter names, for the peers to load. */
    private static void writeWeights(Path file) throws Exception {
        try (Backend cpu = Backends.create("cpu"); Sequential net = AlexNet.create(cpu, CONFIG, SEED)) {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            net.parameters().forEach((name, t) -> tensors.put(name, new TensorData(t.shape(), net.read(name))));
            Files.createDirectories(file.toAbsolutePath().getParent());
            SafeTensors.write(file, tensors, Map.of("model", "alexnet4j single-tower, He init, seed " + SEED));
        }
    }

    /** alexnet4j's cpu backend through the throughput benchmark's session. */
    private static final class Ours implements Engine {
        private final Backend cpu;
        private final ThroughputBenchmark.Session session;

        Ours(Backend cpu, ThroughputBenchmark.Mode mode, int batch) {
            this.cpu = cpu;
            this.session = new ThroughputBenchmark.Session(cpu, CONFIG, mode, batch, SEED);
            session.check();
            session.warmUp(0, 0);
        }

        @Override public float step() {
            float loss = session.step();
            cpu.synchronize();
            return loss;
        }

        @Override public float[] logits(float[] images, int batch) { throw new UnsupportedOperationException("alexnet4j is the reference here"); }

        @Override public void close() { session.close(); }
    }

    static Shape inputShape(int batch) { return Architecture.withBatch(CONFIG.inputShape(), batch); }
}
