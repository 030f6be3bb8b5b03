package org.alexnet4j.bench;

import java.util.Random;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * Result checks the benchmarks run in @Setup, before anything is timed (a wrong kernel fails loudly), and the
 * seeded data they run on.
 */
final class Checks {
    private Checks() {}

    /** Standard-normal values times {@code scale}, from java.util.Random with the given seed. */
    static float[] gaussian(long seed, long count, double scale) {
        Random random = new Random(seed);
        float[] v = new float[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * scale);
        return v;
    }

    /** A new tensor of {@code shape} on {@code backend} holding {@code values}; the caller closes it. */
    static Tensor upload(Backend backend, Shape shape, float[] values) {
        Tensor t = backend.allocate(shape);
        backend.copyFromHost(t, values, 0);
        return t;
    }

    static float[] download(Backend backend, Tensor t) {
        float[] v = new float[Math.toIntExact(t.size())];
        backend.copyToHost(v, 0, t);
        return v;
    }

    /** Throws unless |actual - expected| <= atol + rtol*|expected| everywhere (atol relative to the largest |expected|). */
    static void close(String what, float[] expected, float[] actual, double rtol, double atolOfMax) {
        if (expected.length != actual.length) throw new IllegalStateException(what + ": " + actual.length + " values, expected " + expected.length);
        double max = 0;
        for (float v : expected) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual[i] - expected[i]);
            if (!(error <= atolOfMax * max + rtol * Math.abs(expected[i]))) {
                throw new IllegalStateException(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}
