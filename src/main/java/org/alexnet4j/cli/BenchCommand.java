// `alexnet4j bench`: images per second and GFLOP/s of one model on one backend.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.Batch;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.train.Classifier;
import org.alexnet4j.train.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Measures forward or training throughput on random images.",
                "GFLOP/s counts 2 FLOP per multiply-accumulate of the convolutions and FC layers; a training step counts 3 forwards.",
                "Example: alexnet4j bench --backend cpu --variant paper --batch 32 --mode train --json"})
final class BenchCommand implements Callable<Integer> {
    enum Mode { forward, train }

    @Spec CommandSpec spec;
    @Mixin BackendChoice backendChoice;
    @Mixin ModelOptions model;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--mode", paramLabel = "M", defaultValue = "forward", description = "forward or train. Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed steps first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "10", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--json", description = "End with one JSON object on the last line.")
    boolean json;

    @Override public Integer call() {
        if (batch < 1 || iterations < 1 || warmup < 0) throw new IllegalArgumentException("--batch and --iterations must be >= 1 and --warmup >= 0");
        AlexNet.Config config = model.config(AlexNet.Config.of(AlexNet.Variant.PAPER), null);
        PrintWriter out = spec.commandLine().getOut();
        try (Backend backend = backendChoice.create();
             Sequential network = AlexNet.create(backend, config, 1);
             Classifier classifier = new Classifier(network)) {
            Batch input = randomBatch(config, batch);
            Sgd sgd = Sgd.paper();
            Runnable step = mode == Mode.forward ? () -> classifier.forward(input, false) : () -> {
                classifier.forward(input, true);
                classifier.backward();
                sgd.step(network, 1e-4f);
            };
            for (int i = 0; i < warmup; i++) step.run();
            backend.synchronize();
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) step.run();
            backend.synchronize();
            double seconds = (System.nanoTime() - start) / 1e9;
            double imagesPerSecond = (double) batch * iterations / seconds;
            long macs = Work.forwardMacs(network.architecture()) * (mode == Mode.train ? Work.TRAINING_PASSES : 1);
            double gflops = imagesPerSecond * 2.0 * macs / 1e9;
            out.printf(Locale.ROOT, "%s %s on %s (%s), batch %d, input %d, width x%s: %.2f img/s, %.2f GFLOP/s (%d steps in %.3f s)%n",
                    config.variant().id(), mode, backend.name(), backend.description(), batch, config.inputSize(),
                    config.widthMultiplier(), imagesPerSecond, gflops, iterations, seconds);
            if (json) {
                out.printf(Locale.ROOT, "{\"backend\":\"%s\",\"variant\":\"%s\",\"batch\":%d,\"mode\":\"%s\",\"input\":%d,\"width\":%s,"
                                + "\"threads\":%d,\"iterations\":%d,\"seconds\":%.6f,\"img_per_s\":%.4f,\"gflop_per_s\":%.4f}%n",
                        backend.name(), config.variant().id(), batch, mode, config.inputSize(), config.widthMultiplier(),
                        backendChoice.threads, iterations, seconds, imagesPerSecond, gflops);
            }
        }
        out.flush();
        return 0;
    }

    /** Seeded N(0, 1) images with labels cycling through the classes. */
    static Batch randomBatch(AlexNet.Config config, int n) {
        var shape = org.alexnet4j.tensor.Shape.of(n, 3, config.inputSize(), config.inputSize());
        float[] images = new float[Math.toIntExact(shape.size())];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < images.length; i++) images[i] = (float) random.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % config.classes();
        return new Batch(shape, images, labels);
    }
}
