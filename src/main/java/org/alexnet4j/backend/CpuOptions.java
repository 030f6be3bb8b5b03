package org.alexnet4j.backend;

import java.util.Locale;

/**
 * How the cpu backend computes, per backend instance. {@link #defaults()} takes each setting from its system
 * property ({@code -Dalexnet4j.cpu....}, listed in DEVELOPERS.md), or the built-in default where the property
 * is unset; change what differs with the {@code with...} methods (a test pins a code path this way).
 *
 * @param convolution which convolution algorithms may run ({@link ConvolutionAlgorithm})
 * @param lowering    how a convolution's column matrix reaches the GEMM ({@link Lowering})
 * @param gemm        the GEMM's cache blocking ({@link GemmBlocking})
 */
public record CpuOptions(ConvolutionAlgorithm convolution, Lowering lowering, GemmBlocking gemm) {
    public static final String CONVOLUTION_PROPERTY = "alexnet4j.cpu.conv.algorithm", LOWERING_PROPERTY = "alexnet4j.cpu.conv.lowering";

    public CpuOptions {
        if (convolution == null || lowering == null || gemm == null) throw new IllegalArgumentException("cpu options must not be null");
    }

    /** The system properties, or the built-in defaults where unset; a property with a value it does not know throws, naming it. */
    public static CpuOptions defaults() {
        return new CpuOptions(parse(CONVOLUTION_PROPERTY, ConvolutionAlgorithm.class, ConvolutionAlgorithm.FAST),
                parse(LOWERING_PROPERTY, Lowering.class, Lowering.AUTO), GemmBlocking.defaults());
    }

    public CpuOptions withConvolution(ConvolutionAlgorithm convolution) { return new CpuOptions(convolution, lowering, gemm); }

    public CpuOptions withLowering(Lowering lowering) { return new CpuOptions(convolution, lowering, gemm); }

    public CpuOptions withGemm(GemmBlocking gemm) { return new CpuOptions(convolution, lowering, gemm); }

    /**
     * Which convolution algorithms run. The fast algorithms compute the same convolution with fewer
     * multiplications and other rounding, within bounds the tests derive; which one a layer gets follows from
     * its shape and this setting alone, never from timing, so results repeat bit for bit (and a resumed run
     * repeats the uninterrupted one).
     */
    public enum ConvolutionAlgorithm {
        /** Winograd for the stride-1 3x3 and 5x5 layers where it pays (the README states the rule), the GEMM family elsewhere. */
        FAST,
        /** The GEMM family only (im2col, implicit GEMM, direct), every lowering giving the same bits. */
        EXACT,
        /** Winograd wherever it applies (stride 1, 3x3 or 5x5), whatever the size: for tests and measurements. */
        WINOGRAD
    }

    /** How a convolution's column matrix reaches the GEMM; all give the same bits. */
    public enum Lowering {
        /** Each candidate timed on a shape's first calls, the fastest kept per shape and direction. */
        AUTO,
        /** The column matrix written out, then packed. */
        IM2COL,
        /** The GEMM's panels gathered from a padded copy of the input. */
        IMPLICIT,
        /** Forward only: a direct convolution over a stride-phase-split copy of the input (the filter gradient then takes implicit). */
        DIRECT
    }

    /**
     * The GEMM's cache blocking. kc: the most depth of a packed block (deeper products run in equal blocks);
     * mc: rows of A per block; nc: the most columns of a packed B block; l2Bytes: the L2 a row group's C and B
     * blocks may use. bench/RESULTS.md has the measurements behind the defaults.
     */
    public record GemmBlocking(int kc, int mc, int nc, long l2Bytes) {
        public GemmBlocking {
            if (kc < 1 || mc < 1 || nc < 1 || l2Bytes < 1) {
                throw new IllegalArgumentException("GEMM blocking sizes must be >= 1, got kc=" + kc + " mc=" + mc + " nc=" + nc + " l2=" + l2Bytes);
            }
        }

        /** -Dalexnet4j.cpu.gemm.kc, .mc, .nc, .l2, or 4096, 256, 576, 655360. */
        public static GemmBlocking defaults() {
            return new GemmBlocking((int) number("kc", 4096), (int) number("mc", 256), (int) number("nc", 576), number("l2", 640 << 10));
        }

        private static long number(String name, long fallback) {
            String property = "alexnet4j.cpu.gemm." + name, value = System.getProperty(property);
            if (value == null) return fallback;
            try {
                long parsed = Long.parseLong(value.trim());
                if (parsed >= 1 && parsed <= Integer.MAX_VALUE) return parsed;
            } catch (NumberFormatException e) {
                // named below
            }
            throw new IllegalArgumentException("-D" + property + "=" + value + ": expected a whole number from 1 to " + Integer.MAX_VALUE);
        }
    }

    private static <E extends Enum<E>> E parse(String property, Class<E> type, E fallback) {
        String value = System.getProperty(property);
        if (value == null) return fallback;
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.trim())) return e;
        }
        StringBuilder known = new StringBuilder();
        for (E e : type.getEnumConstants()) known.append(known.isEmpty() ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        throw new IllegalArgumentException("-D" + property + "=" + value + ": expected one of " + known);
    }
}
