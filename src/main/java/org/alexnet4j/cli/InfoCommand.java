// `alexnet4j info`: the backends of this machine and the summary of a model configuration.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.alexnet4j.backend.BackendProvider;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.benchmark.ThroughputBenchmark;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.model.ModelSummary;
import org.alexnet4j.nn.Architecture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = {"Shows the backends available here and, for a model (--variant and the other model options), its layer summary.",
                "Example: alexnet4j info --variant single-tower --classes 10"})
final class InfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions model;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean described = model.variant != null || model.classes != null || model.input != null || model.width != null;
        AlexNet.Config config = described ? model.config(AlexNet.Config.of(AlexNet.Variant.PAPER), null) : null;
        out.println("alexnet4j " + Version.current() + " on Java " + Runtime.version() + ", "
                + Runtime.getRuntime().availableProcessors() + " processors, max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        out.println("backends (best first; auto picks the first available):");
        for (BackendProvider p : Backends.providers()) {
            BackendProvider.Availability a = p.availability();
            out.printf("  %-10s %-12s %s%n", p.name(), a.available() ? "available" : "unavailable", a.reason());
        }
        if (described) {
            Architecture architecture = AlexNet.architecture(config);
            out.printf("%nmodel: %s, %d classes, input %dx%d, width x%s%n", config.variant().id(), config.classes(),
                    config.inputSize(), config.inputSize(), config.widthMultiplier());
            out.print(ModelSummary.of(architecture).format());
            double flops = ThroughputBenchmark.forwardFlopsPerImage(architecture);
            out.printf("Forward work per image: %,.0f multiply-accumulates (%.3f GFLOP)%n", flops / 2, flops / 1e9);
        } else {
            out.println("(add --variant V [--classes N --input S --width W] for a model's layer summary)");
        }
        out.flush();
        return 0;
    }
}
