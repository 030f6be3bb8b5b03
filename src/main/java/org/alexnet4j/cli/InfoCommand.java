// `alexnet4j info`: the backends of this machine and the summary of a model configuration.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.alexnet4j.backend.BackendProvider;
import org.alexnet4j.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Shows the backends available here and the layer summary of a model.")
final class InfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("alexnet4j " + Version.current() + " on Java " + Runtime.version() + ", "
                + Runtime.getRuntime().availableProcessors() + " processors, max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        out.println("backends (best first; auto picks the first available):");
        for (BackendProvider p : Backends.providers()) {
            BackendProvider.Availability a = p.availability();
            out.printf("  %-10s %-13s %s%n", p.name(), a.available() ? "available" : "unavailable", a.reason());
        }
        if (Backends.providers().isEmpty()) out.println("  (none on the class path)");
        out.flush();
        return 0;
    }
}
