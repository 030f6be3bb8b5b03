// `alexnet4j bench`: images per second and GFLOP/s of one model on one backend, over a grid of modes, batch sizes and input placements.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.benchmark.ThroughputBenchmark;
import org.alexnet4j.benchmark.ThroughputBenchmark.Placement;
import org.alexnet4j.model.AlexNet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Measures forward or training throughput on random images (see ThroughputBenchmark: the network is checked first).",
                "GFLOP/s counts 2 FLOP per multiply-accumulate of the convolutions and FC layers; a training step counts forward,",
                "weight gradients and data gradients (all but the first layer's). --mode, --batch and --data take comma-separated",
                "lists: every combination runs on one backend, batch sizes outer, then modes, then placements, one line (and JSON line) each.",
                "Example: alexnet4j bench --backend cuda --precision tf32 --variant paper --batch 128,256 --mode forward,train --data device,host --json"})
final class BenchCommand implements Callable<Integer> {
    /** As written on the command line; picocli rejects anything else as a usage error. */
    enum Mode { forward, train }

    /** Where the batch is: copied in from a Java array every step (host), or resident on the backend (device). */
    enum Data { host, device }

    @Spec CommandSpec spec;
    @Mixin BackendChoice backendChoice;
    @Mixin ModelOptions model;

    @Option(names = "--batch", paramLabel = "N", split = ",", defaultValue = "32", description = "Images per step. Default: ${DEFAULT-VALUE}.")
    List<Integer> batches;

    @Option(names = "--mode", paramLabel = "M", split = ",", defaultValue = "forward", description = "forward or train. Default: ${DEFAULT-VALUE}.")
    List<Mode> modes;

    @Option(names = "--data", paramLabel = "D", split = ",", defaultValue = "host",
            description = "host: each step copies the batch in (as training does); device: the batch is copied in once. Default: ${DEFAULT-VALUE}.")
    List<Data> placements;

    @Option(names = "--graph", description = "Record one step and time its replays (a CUDA graph on cuda; op by op elsewhere): no host round trip in a step.")
    boolean graph;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed steps first, at least. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "3",
            description = "Untimed steps go on for at least this long (the JIT compiles), and on while the backend still times its per-layer choices (at most 40 steps). Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "10", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seeds the weights and the random images. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "After each result's line, one JSON object on a line of its own.")
    boolean json;

    @Override public Integer call() {
        for (int batch : batches) if (batch < 1) throw Usage.error(spec, "--batch must be >= 1, got " + batch);
        if (iterations < 1) throw Usage.error(spec, "--iterations must be >= 1, got " + iterations);
        if (warmup < 0 || !(warmupSeconds >= 0)) throw Usage.error(spec, "--warmup and --warmup-seconds must be >= 0, got " + warmup + " and " + warmupSeconds);
        AlexNet.Config config = model.config(AlexNet.Config.of(AlexNet.Variant.PAPER), null);
        PrintWriter out = spec.commandLine().getOut();
        try (Backend backend = backendChoice.create()) {
            for (int batch : batches) { // smaller batches first: a run cut short keeps them
                for (Mode mode : modes) {
                    for (Data data : placements) {
                        ThroughputBenchmark.Result r = ThroughputBenchmark.run(backend, config,
                                mode == Mode.train ? ThroughputBenchmark.Mode.TRAIN : ThroughputBenchmark.Mode.FORWARD,
                                data == Data.device ? Placement.DEVICE : Placement.HOST, graph, batch, warmup, warmupSeconds, iterations, seed);
                        out.println(r + String.format(Locale.ROOT, "; input %d, width x%s, %d classes, precision %s",
                                config.inputSize(), config.widthMultiplier(), config.classes(), backendChoice.precision.id()));
                        if (json) out.println(json(r, config, mode, data));
                        out.flush();
                    }
                }
            }
        }
        return 0;
    }

    private String json(ThroughputBenchmark.Result r, AlexNet.Config config, Mode mode, Data data) {
        return String.format(Locale.ROOT, "{\"backend\":\"%s\",\"variant\":\"%s\",\"batch\":%d,\"mode\":\"%s\",\"data\":\"%s\",\"precision\":\"%s\","
                        + "\"graph\":" + graph + ",\"device\":%d,\"input\":%d,\"width\":%s,\"classes\":%d,\"threads\":%d,\"steps\":%d,\"seconds\":%.6f,\"img_per_s\":%.4f,"
                        + "\"median_step_ms\":%.4f,\"img_per_s_median\":%.4f,\"gflop_per_s\":%.4f}",
                r.backend(), r.variant(), r.batch(), mode, data, backendChoice.precision.id(), backendChoice.device, config.inputSize(),
                config.widthMultiplier(), config.classes(), backendChoice.threads, r.steps(), r.seconds(), r.imagesPerSecond(),
                r.medianStepMillis(), r.medianImagesPerSecond(), r.gflopPerSecond());
    }
}
