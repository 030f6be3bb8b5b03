package org.alexnet4j.backend;

/**
 * A counter-based random number generator: element i of a stream is a pure function of (seed, i), so
 * every backend (scalar, vector, GPU thread) draws the same numbers in any order. The mix is SplitMix64's
 * finalizer; native/ has the same function for the GPU. Changing it changes every seeded result.
 */
public final class CounterRng {
    private CounterRng() {}

    /** 64 well-mixed bits for element {@code index} of stream {@code seed}. */
    public static long bits(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A float uniform in [0, 1) with 24 random bits, exactly representable. */
    public static float uniform(long seed, long index) {
        return (bits(seed, index) >>> 40) * 0x1.0p-24f;
    }
}
