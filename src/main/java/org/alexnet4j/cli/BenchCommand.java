// `alexnet4j bench`: images per second and GFLOP/s of one model on one backend.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.benchmark.ThroughputBenchmark;
import org.alexnet4j.model.AlexNet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Measures forward or training throughput on random images (see ThroughputBenchmark: the network is checked first).",
                "GFLOP/s counts 2 FLOP per multiply-accumulate of the convolutions and FC layers; a training step counts forward,",
                "weight gradients and data gradients (all but the first layer's).",
                "Example: alexnet4j bench --backend cpu --variant paper --batch 32 --mode train --json"})
final class BenchCommand implements Callable<Integer> {
    /** As written on the command line; picocli rejects anything else as a usage error. */
    enum Mode { forward, train }

    @Spec CommandSpec spec;
    @Mixin BackendChoice backendChoice;
    @Mixin ModelOptions model;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--mode", paramLabel = "M", defaultValue = "forward", description = "forward or train. Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed steps first, at least. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "3",
            description = "Untimed steps go on for at least this long (the JIT compiles), and on while the backend still times its per-layer choices (at most 40 steps). Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "10", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seeds the weights and the random images. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "End with one JSON object on the last line.")
    boolean json;

    @Override public Integer call() {
        ThroughputBenchmark.Mode parsedMode = mode == Mode.train ? ThroughputBenchmark.Mode.TRAIN : ThroughputBenchmark.Mode.FORWARD;
        AlexNet.Config config = model.config(AlexNet.Config.of(AlexNet.Variant.PAPER), null);
        PrintWriter out = spec.commandLine().getOut();
        try (Backend backend = backendChoice.create()) {
            ThroughputBenchmark.Result r = ThroughputBenchmark.run(backend, config, parsedMode, batch, warmup, warmupSeconds, iterations, seed);
            out.println(r + String.format(Locale.ROOT, "; input %d, width x%s, %d classes", config.inputSize(), config.widthMultiplier(), config.classes()));
            if (json) {
                out.printf(Locale.ROOT, "{\"backend\":\"%s\",\"variant\":\"%s\",\"batch\":%d,\"mode\":\"%s\",\"input\":%d,\"width\":%s,\"classes\":%d,"
                                + "\"threads\":%d,\"steps\":%d,\"seconds\":%.6f,\"img_per_s\":%.4f,\"gflop_per_s\":%.4f}%n",
                        r.backend(), r.variant(), r.batch(), mode, config.inputSize(), config.widthMultiplier(), config.classes(),
                        backendChoice.threads, r.steps(), r.seconds(), r.imagesPerSecond(), r.gflopPerSecond());
            }
        }
        out.flush();
        return 0;
    }
}
