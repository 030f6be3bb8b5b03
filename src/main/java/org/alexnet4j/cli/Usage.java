// Option values a command cannot use are a bad command line: exit code 2 and the --help hint, as parse errors.
package org.alexnet4j.cli;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Turns the library's refusal of a value (an IllegalArgumentException) into picocli's usage error. */
final class Usage {
    private Usage() {}

    /** A usage error of {@code spec}'s command saying {@code message}. */
    static ParameterException error(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * {@code build()}, which only interprets option values (no files, no work): an IllegalArgumentException it
     * throws means a value is out of range or unknown, and is reported as a usage error.
     */
    static <T> T check(CommandSpec spec, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }
}
