package org.alexnet4j.data;

import org.alexnet4j.backend.CounterRng;

/**
 * Random draws for one epoch as pure functions of (seed, purpose, epoch, image index, draw number), so
 * shuffling and augmentation do not depend on which thread handles which image.
 */
final class Draws {
    static final long SHUFFLE = 0x5348554646L, AUGMENT = 0x4155474DL;
    /** Draw numbers per image: crop top, crop left, mirror, then four uniforms for three Gaussians. */
    static final int CROP_TOP = 0, CROP_LEFT = 1, MIRROR = 2, LIGHTING = 3, PER_IMAGE = 8;

    private final long stream;

    Draws(long seed, long purpose, int epoch) {
        this.stream = CounterRng.bits(CounterRng.bits(seed, purpose), epoch);
    }

    long bits(long index, int draw) { return CounterRng.bits(stream, index * PER_IMAGE + draw); }

    /** Uniform integer in [0, bound) (multiply-high of 64 random bits; bias below 2^-32 for bound < 2^31). */
    int below(long index, int draw, int bound) {
        return (int) Math.unsignedMultiplyHigh(bits(index, draw), bound);
    }

    /** Three independent N(0, 1) values (Box-Muller on four uniforms) into {@code out}. */
    void gaussians(long index, double[] out) {
        for (int pair = 0; pair < 2; pair++) {
            double u1 = 1 - (bits(index, LIGHTING + 2 * pair) >>> 11) * 0x1.0p-53; // in (0, 1]
            double u2 = (bits(index, LIGHTING + 2 * pair + 1) >>> 11) * 0x1.0p-53;
            double radius = Math.sqrt(-2 * Math.log(u1));
            out[2 * pair] = radius * Math.cos(2 * Math.PI * u2);
            if (2 * pair + 1 < out.length) out[2 * pair + 1] = radius * Math.sin(2 * Math.PI * u2);
        }
    }

    /** A permutation of 0..n-1 (Fisher-Yates, position i swapped with a draw below i + 1). */
    int[] permutation(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = below(i, 0, i + 1);
            int t = order[i]; order[i] = order[j]; order[j] = t;
        }
        return order;
    }
}
