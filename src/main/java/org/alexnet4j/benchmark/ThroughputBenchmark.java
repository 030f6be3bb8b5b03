package org.alexnet4j.benchmark;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.data.Batch;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Conv2d;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.nn.Linear;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.train.Classifier;
import org.alexnet4j.train.Sgd;

/**
 * Times forward passes or training steps of an AlexNet on a backend and reports images/s and GFLOP/s
 * (FLOPs counted from the conv and linear layer shapes). Before timing it checks the network: the loss is
 * finite and a second evaluation forward of the same batch gives the same logits; a failure throws.
 * Inputs are synthetic (seeded Gaussian pixels in 0..255 units, random labels). With {@link Placement#HOST} a
 * step copies the batch in from a Java array, as in training; with {@link Placement#DEVICE} the batch is copied
 * to the backend once and every step reads it there (how GPU frameworks are usually timed). Each step ends when
 * its loss is back on the host, so step times are wall-clock times of whole steps; the result gives their
 * median and the mean over all timed steps.
 */
public final class ThroughputBenchmark {
    private ThroughputBenchmark() {}

    /**
     * The SGD learning rate of a timed training step: small (as bench/gpu/torch_alexnet.py's), so that many steps on
     * one random batch stay finite; a loss that is not finite after the timed steps fails the run.
     */
    static final float LEARNING_RATE = 1e-4f;

    /** Warm-up steps at most for a tuning backend to settle its choices (the cpu backend needs 15 calls per convolution shape). */
    public static final int TUNING_STEPS = 40;

    /** What one timed step does: an evaluation forward (with softmax), or forward + backward + SGD update. */
    public enum Mode {
        FORWARD, TRAIN;

        public static Mode parse(String s) { return valueOf(s.toUpperCase(Locale.ROOT)); }
    }

    /** Where a step's input batch comes from: copied in from a host array every step, or resident on the backend. */
    public enum Placement {
        HOST, DEVICE;

        public static Placement parse(String s) { return valueOf(s.toUpperCase(Locale.ROOT)); }

        public String id() { return name().toLowerCase(Locale.ROOT); }
    }

    /**
     * One measurement: images/s and GFLOP/s over all timed steps ({@code seconds} in all), and the median step
     * time in milliseconds with the images/s it gives.
     */
    public record Result(String backend, String description, String variant, Mode mode, Placement placement, int batch, int steps,
                         double seconds, double imagesPerSecond, double medianStepMillis, double medianImagesPerSecond,
                         double gflopPerImage, double gflopPerSecond, float loss) {
        /** One line for people. */
        @Override public String toString() {
            return String.format(Locale.ROOT, "%s %s %s batch %d, input on %s: %.1f img/s (median step %.2f ms: %.1f img/s), %.1f GFLOP/s "
                            + "(%.3f GFLOP/img, %d steps in %.2f s, loss %.4f) [%s]",
                    backend, variant, mode.name().toLowerCase(Locale.ROOT), batch, placement.id(), imagesPerSecond, medianStepMillis,
                    medianImagesPerSecond, gflopPerSecond, gflopPerImage, steps, seconds, loss, description);
        }

        /** One JSON object for machines. */
        public String toJson() {
            return String.format(Locale.ROOT, "{\"backend\":\"%s\",\"description\":\"%s\",\"variant\":\"%s\",\"mode\":\"%s\",\"data\":\"%s\","
                            + "\"batch\":%d,\"steps\":%d,\"seconds\":%.6f,\"images_per_second\":%.3f,\"median_step_ms\":%.4f,"
                            + "\"median_images_per_second\":%.3f,\"gflop_per_image\":%.6f,\"gflop_per_second\":%.3f,\"loss\":%s}",
                    backend, description.replace("\\", "\\\\").replace("\"", "\\\""), variant, mode.name().toLowerCase(Locale.ROOT), placement.id(),
                    batch, steps, seconds, imagesPerSecond, medianStepMillis, medianImagesPerSecond, gflopPerImage, gflopPerSecond,
                    Float.isFinite(loss) ? Float.toString(loss) : "null");
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
     * {@code batch} images with the input on {@code placement}.
     */
    public static Result run(Backend backend, AlexNet.Config config, Mode mode, Placement placement, int batch, int warmupSteps,
                             double warmupSeconds, int timedSteps, long seed) {
        return run(backend, config, mode, placement, false, batch, warmupSteps, warmupSeconds, timedSteps, seed);
    }

    /**
     * As above; with {@code replayed} each timed step is one {@link Backend#capture replay} of the recorded step
     * (a CUDA graph on the cuda backend; with the input on the host, the batch is copied in before each replay),
     * ended by synchronize(): its loss is not brought back, and a final op-by-op forward checks the network.
     */
    public static Result run(Backend backend, AlexNet.Config config, Mode mode, Placement placement, boolean replayed, int batch,
                             int warmupSteps, double warmupSeconds, int timedSteps, long seed) {
        if (warmupSteps < 0 || !(warmupSeconds >= 0) || timedSteps < 1) {
            throw new IllegalArgumentException("need warmup >= 0 steps and seconds, and steps >= 1; got " + warmupSteps + ", " + warmupSeconds + ", " + timedSteps);
        }
        try (Session session = new Session(backend, config, mode, placement, batch, seed)) {
            session.check();
            float loss = session.warmUp(warmupSteps, warmupSeconds);
            if (replayed) session.record();
            double[] stepSeconds = new double[timedSteps];
            long start = System.nanoTime(), previous = start;
            for (int i = 0; i < timedSteps; i++) {
                loss = session.step(); // ends with the loss on the host: the step's work is done
                long now = System.nanoTime();
                stepSeconds[i] = (now - previous) / 1e9;
                previous = now;
            }
            double seconds = (previous - start) / 1e9;
            if (replayed) loss = session.check();
            if (!Float.isFinite(loss)) throw new IllegalStateException("benchmark: the loss after the timed steps is " + loss + " on " + backend.name());
            double imagesPerSecond = batch * timedSteps / seconds, medianSeconds = median(stepSeconds);
            return new Result(backend.name(), backend.description(), config.variant().id(), mode, placement, batch, timedSteps, seconds,
                    imagesPerSecond, medianSeconds * 1e3, batch / medianSeconds, session.flopsPerImage() / 1e9,
                    imagesPerSecond * session.flopsPerImage() / 1e9, loss);
        }
    }

    /** The median (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * A network, one synthetic batch and the tensors of a step, ready to run steps of one mode (also used by the
     * JMH benchmarks). A step is what {@link Classifier} does in training: (copy the batch in,) forward, softmax
     * cross-entropy with the loss brought back, and for training backward and the paper's SGD update. For the
     * forward the weights are frozen ({@link org.alexnet4j.nn.Weights#freeze}), as a loaded model's are.
     */
    public static final class Session implements AutoCloseable {
        private final Mode mode;
        private final Placement placement;
        private final Batch data;
        private final double flopsPerImage;
        private final Sequential network;
        private final Backend backend;
        private final Tensor input, probabilities, logitGradient;
        private Backend.Replay replay; // the recorded step, once record() ran

        /** A session whose steps copy the batch in from the host. */
        public Session(Backend backend, AlexNet.Config config, Mode mode, int batch, long seed) {
            this(backend, config, mode, Placement.HOST, batch, seed);
        }

        public Session(Backend backend, AlexNet.Config config, Mode mode, Placement placement, int batch, long seed) {
            if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            this.mode = mode;
            this.placement = placement;
            this.backend = backend;
            Architecture architecture = AlexNet.architecture(config);
            this.flopsPerImage = mode == Mode.TRAIN ? trainFlopsPerImage(architecture) : forwardFlopsPerImage(architecture);
            this.network = new Sequential(backend, architecture, seed);
            try {
                network.reserve(batch); // the largest allocation first: a batch too large is refused before its data is made
                this.data = syntheticBatch(config, batch, seed);
                Shape logits = architecture.outputShape(batch);
                this.input = backend.allocate(data.shape());
                this.probabilities = backend.allocate(logits);
                this.logitGradient = backend.allocate(logits);
                backend.copyFromHost(input, data.images(), 0);
                if (mode == Mode.FORWARD) network.weights().freeze();
            } catch (RuntimeException | Error e) {
                network.close();
                throw e;
            }
        }

        /** FLOPs of one step per image (forward, or the whole training step). */
        public double flopsPerImage() { return flopsPerImage; }

        /**
         * Untimed steps until {@code steps} and {@code seconds} are reached and the backend is no longer
         * {@link Backend#tuning() tuning} (for at most {@link #TUNING_STEPS} steps); returns the last loss.
         */
        public float warmUp(int steps, double seconds) {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            float loss = Float.NaN;
            for (int i = 0; i < steps || System.nanoTime() < end || backend.tuning() && i < TUNING_STEPS; i++) loss = step();
            backend.synchronize();
            return loss;
        }

        /** One step; returns the batch's loss (NaN for a replayed step, whose loss stays on the backend). */
        public float step() {
            if (replay == null) return step(mode == Mode.TRAIN);
            if (placement == Placement.HOST) backend.copyFromHost(input, data.images(), 0);
            replay.replay();
            backend.synchronize();
            return Float.NaN;
        }

        /**
         * Records the step without host round trips (softmax without the loss, the labels already on the
         * backend) with {@link Backend#capture}; later steps replay it.
         */
        public void record() {
            boolean training = mode == Mode.TRAIN;
            replay = backend.capture(() -> {
                Tensor logits = network.forward(input, training);
                backend.softmaxForward(probabilities, logits);
                if (training) learn();
            });
        }

        private float step(boolean training) {
            if (placement == Placement.HOST) backend.copyFromHost(input, data.images(), 0);
            Tensor logits = network.forward(input, training);
            float loss = backend.softmaxCrossEntropyForward(probabilities, logits, data.labels());
            if (training) learn();
            return loss;
        }

        /** The training half of a step, after the softmax: back-propagation from the labels, then one SGD step. */
        private void learn() {
            backend.softmaxCrossEntropyBackward(logitGradient, probabilities, data.labels());
            network.backward(logitGradient);
            Sgd.paper().step(network, LEARNING_RATE);
        }

        private float[] probabilities() {
            float[] host = new float[Math.toIntExact(probabilities.size())];
            backend.copyToHost(host, 0, probabilities);
            return host;
        }

        /**
         * Throws unless the loss is finite and two evaluation forwards of the batch give identical
         * probabilities (and, in training mode, a training step's loss is finite); returns the loss.
         */
        public float check() {
            String name = backend.name();
            float first = step(false);
            float[] probabilities = probabilities();
            float second = step(false);
            float[] again = probabilities();
            if (!Float.isFinite(first)) throw new IllegalStateException("benchmark check: the loss is " + first + " on " + name);
            if (first != second || !Arrays.equals(probabilities, again)) {
                throw new IllegalStateException("benchmark check: two forwards of one batch differ on " + name + " (loss " + first + " vs " + second + ")");
            }
            if (mode == Mode.TRAIN) {
                float loss = step(true);
                if (!Float.isFinite(loss)) throw new IllegalStateException("benchmark check: the training loss is " + loss + " on " + name);
            }
            return first;
        }

        @Override public void close() {
            if (replay != null) replay.close();
            input.close();
            probabilities.close();
            logitGradient.close();
            network.close();
        }
    }

    /** Seeded Gaussian images (standard deviation 50, mean-subtracted 0..255 pixels) and uniform labels. */
    public static Batch syntheticBatch(AlexNet.Config config, int batch, long seed) {
        Shape shape = Architecture.withBatch(config.inputShape(), batch);
        Random random = new Random(seed);
        float[] images = HostLimits.floats("a benchmark batch " + shape, shape.size());
        for (int i = 0; i < images.length; i++) images[i] = (float) (random.nextGaussian() * 50);
        return new Batch(shape, images, random.ints(batch, 0, config.classes()).toArray());
    }
}
