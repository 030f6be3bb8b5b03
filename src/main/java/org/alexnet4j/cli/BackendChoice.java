// The --backend, --threads, --precision and --device options shared by every command that computes.
package org.alexnet4j.cli;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.BackendOptions.Precision;
import org.alexnet4j.backend.Backends;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Which backend to run on, with how many threads, in which precision and on which device. */
final class BackendChoice {
    @Spec(Spec.Target.MIXEE) CommandSpec command;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = Backends.AUTO,
            description = "reference, cpu, cuda or auto (the best available). Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads of the host backends (0 = one per processor). Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32", converter = PrecisionConverter.class,
            description = "Operands of convolutions and matrix products: fp32, tf32, bf16 or fp16 (cuda); a backend that cannot refuses. Default: ${DEFAULT-VALUE}.")
    Precision precision;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "The GPU to run on (cuda). Default: ${DEFAULT-VALUE}.")
    int device;

    BackendOptions options() {
        return BackendOptions.defaults().withThreads(threads).withPrecision(precision).withDevice(device);
    }

    /**
     * The backend. An unknown name or an option out of range is a usage error; a backend that is unavailable
     * here or lacks the precision or device is a failure.
     */
    Backend create() {
        BackendOptions options = Usage.check(command, () -> {
            if (!name.equals(Backends.AUTO)) Backends.provider(name);
            return options();
        });
        return Backends.create(name, options);
    }

    /** fp32|tf32|bf16|fp16 in any case. */
    static final class PrecisionConverter implements picocli.CommandLine.ITypeConverter<Precision> {
        @Override public Precision convert(String value) { return Precision.parse(value); }
    }
}
