// The options of the commands that read image files: what an unusable image does, and the pixel limit.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.alexnet4j.data.BadImagePolicy;
import org.alexnet4j.data.DataProblems;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.data.ImageReading;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** --bad-images fail|skip and --max-megapixels MP. */
final class ImageOptions {
    @Option(names = "--bad-images", paramLabel = "fail|skip", defaultValue = "fail", converter = PolicyParser.class,
            description = "An unreadable or unusable image: fail (the command fails, naming it) or skip (left out, counted and reported). Default: ${DEFAULT-VALUE}.")
    BadImagePolicy policy;

    @Option(names = "--max-megapixels", paramLabel = "MP", defaultValue = "" + ImageDecoder.DEFAULT_MAX_PIXELS / 1_000_000, converter = MegapixelParser.class,
            description = "Images of more pixels are refused from their header, before decoding (about 12 bytes of memory per pixel). Default: ${DEFAULT-VALUE}.")
    double megapixels;

    /** The pixel limit. */
    long maxPixels() { return Math.round(megapixels * 1e6); }

    ImageReading reading() { return new ImageReading(policy, maxPixels()); }

    /**
     * Prints "skipped N unusable files or images (first: ...)" when {@code problems} counts skipped ones;
     * {@code kinds}: what was skipped, in the singular ("file", "image").
     */
    static void reportSkipped(PrintWriter out, DataProblems problems, String... kinds) {
        long skipped = problems.skippedCount();
        if (skipped == 0) return;
        String plural = skipped == 1 ? "" : "s";
        out.println("skipped " + skipped + " unusable " + Stream.of(kinds).map(kind -> kind + plural).collect(Collectors.joining(" or "))
                + " (first: " + problems.messages().getFirst() + ")");
    }

    /** "fail" or "skip", as written on the command line. */
    static final class PolicyParser implements ITypeConverter<BadImagePolicy> {
        @Override public BadImagePolicy convert(String value) {
            return switch (value) {
                case "fail" -> BadImagePolicy.FAIL;
                case "skip" -> BadImagePolicy.SKIP;
                default -> throw new TypeConversionException("expected fail or skip, got '" + value + "'");
            };
        }
    }

    /** A positive number of megapixels. */
    static final class MegapixelParser implements ITypeConverter<Double> {
        @Override public Double convert(String value) {
            double megapixels;
            try {
                megapixels = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a number of megapixels, got '" + value + "'");
            }
            if (!(megapixels > 0 && megapixels <= 1e6)) throw new TypeConversionException("expected megapixels in (0, 1000000], got " + value);
            return megapixels;
        }
    }
}
