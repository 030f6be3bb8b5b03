package org.alexnet4j.benchmark;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.Batch;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Conv2d;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.nn.Linear;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.train.Classifier;
import org.alexnet4j.train.Sgd;

/**
 * Times forward passes or training steps of an AlexNet on a backend and reports images/s and GFLOP/s
 * (FLOPs counted from the conv and linear layer shapes). Before timing it checks the network: the loss is
 * finite and a second evaluation forward of the same batch gives the same logits; a failure throws.
 * Inputs are synthetic (seeded Gaussian pixels in 0..255 units, random labels); a step includes copying the
 * batch in, as in training.
 */
public final class ThroughputBenchmark {
    private ThroughputBenchmark() {}

    /** Warm-up steps at most for a tuning backend to settle its choices (the cpu backend needs 15 calls per convolution shape). */
    public static final int TUNING_STEPS = 40;

    /** What one timed step does: an evaluation forward (with softmax), or forward + backward + SGD update. */
    public enum Mode {
        FORWARD, TRAIN;

        public static Mode parse(String s) { return valueOf(s.toUpperCase(Locale.ROOT)); }
    }

    /** One measurement; images/s and GFLOP/s over the timed steps. */
    public record Result(String backend, String description, String variant, Mode mode, int batch, int steps, double seconds,
                         double imagesPerSecond, double gflopPerImage, double gflopPerSecond, float loss) {
        /** One line for people. */
        @Override public String toString() {
            return String.format(Locale.ROOT, "%s %s %s batch %d: %.1f img/s, %.1f GFLOP/s (%.3f GFLOP/img, %d steps in %.2f s, loss %.4f) [%s]",
                    backend, variant, mode.name().toLowerCase(Locale.ROOT), batch, imagesPerSecond, gflopPerSecond, gflopPerImage, steps, seconds, loss, description);
        }

        /** One JSON object for machines. */
        public String toJson() {
            return String.format(Locale.ROOT, "{\"backend\":\"%s\",\"description\":\"%s\",\"variant\":\"%s\",\"mode\":\"%s\",\"batch\":%d,\"steps\":%d,"
                            + "\"seconds\":%.6f,\"images_per_second\":%.3f,\"gflop_per_image\":%.6f,\"gflop_per_second\":%.3f,\"loss\":%s}",
                    backend, description.replace("\\", "\\\\").replace("\"", "\\\""), variant, mode.name().toLowerCase(Locale.ROOT), batch, steps,
                    seconds, imagesPerSecond, gflopPerImage, gflopPerSecond, Float.isFinite(loss) ? Float.toString(loss) : "null");
        }
    }

    /** Multiply-adds of one image's forward pass through the conv and linear layers (each counts as 2 FLOPs). */
    public static double forwardFlopsPerImage(Architecture architecture) {
        double flops = 0;
        for (int i = 0; i < architecture.layers().size(); i++) flops += layerFlopsPerImage(architecture, i);
        return flops;
    }

    /** 2 x outputs x (weights per output) for conv and linear layers, 0 for the others. */
    static double layerFlopsPerImage(Architecture architecture, int i) {
        Layer layer = architecture.layers().get(i);
        Shape out = architecture.outputShape(i, 1);
        Shape weight = switch (layer) {
            case Conv2d conv -> conv.weightShape();
            case Linear linear -> linear.parameters().getFirst().shape();
            default -> null;
        };
        return weight == null ? 0 : 2.0 * out.size() * (weight.size() / weight.dim(0));
    }

    /**
     * FLOPs of one training step per image: forward, the weight gradients (as many again) and the data
     * gradients (as many again, except for the first layer, whose input gradient nobody needs).
     */
    public static double trainFlopsPerImage(Architecture architecture) {
        return 3 * forwardFlopsPerImage(architecture) - layerFlopsPerImage(architecture, 0);
    }

    /**
     * Builds {@code config} on {@code backend}, checks one step, runs untimed steps until {@code warmupSteps}
     * and {@code warmupSeconds} are reached (the JIT compiles) and the backend is no longer {@link Backend#tuning()
     * tuning} (at most {@link #TUNING_STEPS} steps), then {@code timedSteps} timed steps of {@code mode} at
     * {@code batch} images.
     */
    public static Result run(Backend backend, AlexNet.Config config, Mode mode, int batch, int warmupSteps, double warmupSeconds, int timedSteps, long seed) {
        if (warmupSteps < 0 || !(warmupSeconds >= 0) || timedSteps < 1) {
            throw new IllegalArgumentException("need warmup >= 0 steps and seconds, and steps >= 1; got " + warmupSteps + ", " + warmupSeconds + ", " + timedSteps);
        }
        try (Session session = new Session(backend, config, mode, batch, seed)) {
            session.check();
            float loss = session.warmUp(warmupSteps, warmupSeconds);
            long start = System.nanoTime();
            for (int i = 0; i < timedSteps; i++) loss = session.step();
            backend.synchronize();
            double seconds = (System.nanoTime() - start) / 1e9;
            double imagesPerSecond = (double) batch * timedSteps / seconds;
            return new Result(backend.name(), backend.description(), config.variant().id(), mode, batch, timedSteps, seconds,
                    imagesPerSecond, session.flopsPerImage() / 1e9, imagesPerSecond * session.flopsPerImage() / 1e9, loss);
        }
    }

    /** A network, its classifier and one synthetic batch, ready to run steps of one mode (also used by the JMH benchmarks). */
    public static final class Session implements AutoCloseable {
        private final Mode mode;
        private final Batch data;
        private final double flopsPerImage;
        private final Sequential network;
        private final Classifier classifier;

        public Session(Backend backend, AlexNet.Config config, Mode mode, int batch, long seed) {
            if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            this.mode = mode;
            this.data = syntheticBatch(config, batch, seed);
            Architecture architecture = AlexNet.architecture(config);
            this.flopsPerImage = mode == Mode.TRAIN ? trainFlopsPerImage(architecture) : forwardFlopsPerImage(architecture);
            this.network = new Sequential(backend, architecture, seed);
            this.classifier = new Classifier(network);
        }

        /** FLOPs of one step per image (forward, or the whole training step). */
        public double flopsPerImage() { return flopsPerImage; }

        /**
         * Untimed steps until {@code steps} and {@code seconds} are reached and the backend is no longer
         * {@link Backend#tuning() tuning} (for at most {@link #TUNING_STEPS} steps); returns the last loss.
         */
        public float warmUp(int steps, double seconds) {
            Backend backend = network.backend();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            float loss = Float.NaN;
            for (int i = 0; i < steps || System.nanoTime() < end || backend.tuning() && i < TUNING_STEPS; i++) loss = step();
            backend.synchronize();
            return loss;
        }

        /** One step; returns the batch's loss. */
        public float step() {
            if (mode == Mode.FORWARD) return classifier.forward(data, false);
            float loss = classifier.forward(data, true);
            classifier.backward();
            Sgd.paper().step(network, 0.01f);
            return loss;
        }

        /**
         * Throws unless the loss is finite and two evaluation forwards of the batch give identical
         * probabilities (and, in training mode, a training step's loss is finite); returns the loss.
         */
        public float check() {
            String backend = network.backend().name();
            float first = classifier.forward(data, false);
            float[] probabilities = Arrays.copyOf(classifier.probabilities(), data.size() * classifier.classes());
            float second = classifier.forward(data, false);
            float[] again = Arrays.copyOf(classifier.probabilities(), probabilities.length);
            if (!Float.isFinite(first)) throw new IllegalStateException("benchmark check: the loss is " + first + " on " + backend);
            if (first != second || !Arrays.equals(probabilities, again)) {
                throw new IllegalStateException("benchmark check: two forwards of one batch differ on " + backend + " (loss " + first + " vs " + second + ")");
            }
            if (mode == Mode.TRAIN) {
                float loss = step();
                if (!Float.isFinite(loss)) throw new IllegalStateException("benchmark check: the training loss is " + loss + " on " + backend);
            }
            return first;
        }

        @Override public void close() {
            classifier.close();
            network.close();
        }
    }

    /** Seeded Gaussian images (standard deviation 50, mean-subtracted 0..255 pixels) and uniform labels. */
    public static Batch syntheticBatch(AlexNet.Config config, int batch, long seed) {
        Shape shape = Architecture.withBatch(config.inputShape(), batch);
        Random random = new Random(seed);
        float[] images = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < images.length; i++) images[i] = (float) (random.nextGaussian() * 50);
        return new Batch(shape, images, random.ints(batch, 0, config.classes()).toArray());
    }
}
