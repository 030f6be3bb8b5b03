package org.alexnet4j.backend.cuda;

/**
 * How FP16 operands are scaled (the kernels to_16bit / from_16bit / unscale_float apply it on the device): each
 * operand of a product is multiplied by a power of two that brings its largest magnitude into (target/2, target],
 * so small values keep their bits instead of flushing to zero, and the target is chosen from the number of terms
 * summed per output so that no output can overflow half: |output| <= terms * target^2 <= 2^15 < 65504.
 * The product is divided by both scales afterwards in float32, which is exact (powers of two).
 */
public final class HalfScaling {
    private HalfScaling() {}

    /** The largest power of two t <= 1 with terms * t^2 <= 2^15. */
    public static float target(long terms) {
        if (terms < 1) throw new IllegalArgumentException("terms must be >= 1, got " + terms);
        int log2Terms = 64 - Long.numberOfLeadingZeros(terms - 1); // ceil(log2 terms)
        return Math.scalb(1f, Math.min(0, Math.floorDiv(15 - log2Terms, 2)));
    }
}
