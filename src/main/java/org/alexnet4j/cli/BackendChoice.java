// The --backend and --threads options shared by every command that computes.
package org.alexnet4j.cli;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import picocli.CommandLine.Option;

/** Which backend to run on and with how many threads. */
final class BackendChoice {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = Backends.AUTO,
            description = "reference, cpu, cuda or auto (the best available). Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads of the host backends (0 = one per processor). Default: ${DEFAULT-VALUE}.")
    int threads;

    Backend create() {
        return Backends.create(name, BackendOptions.defaults().withThreads(threads));
    }
}
