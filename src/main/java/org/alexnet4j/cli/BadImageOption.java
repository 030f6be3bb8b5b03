// The --bad-images option of the commands that read images.
package org.alexnet4j.cli;

import org.alexnet4j.data.BadImagePolicy;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** What an unreadable image does: fails the command, naming it, or is left out and counted. */
final class BadImageOption {
    @Option(names = "--bad-images", paramLabel = "fail|skip", defaultValue = "fail", converter = Parser.class,
            description = "An unreadable or unusable image: fail (the command fails, naming it) or skip (left out, counted and reported). Default: ${DEFAULT-VALUE}.")
    BadImagePolicy policy;

    /** "fail" or "skip", as written on the command line. */
    static final class Parser implements ITypeConverter<BadImagePolicy> {
        @Override public BadImagePolicy convert(String value) {
            return switch (value) {
                case "fail" -> BadImagePolicy.FAIL;
                case "skip" -> BadImagePolicy.SKIP;
                default -> throw new TypeConversionException("expected fail or skip, got '" + value + "'");
            };
        }
    }
}
