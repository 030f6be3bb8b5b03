package org.alexnet4j.testing;

import java.util.Random;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** Test data between the host and a backend: seeded standard-normal values, upload into a new tensor, download. */
public final class HostTensors {
    private HostTensors() {}

    /** Standard-normal values times {@code scale}, from java.util.Random with the given seed. */
    public static float[] gaussian(long seed, long count, double scale) {
        Random random = new Random(seed);
        float[] v = new float[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * scale);
        return v;
    }

    /** A new tensor of {@code shape} on {@code b} holding {@code values}; the caller closes it. */
    public static Tensor upload(Backend b, Shape shape, float[] values) {
        Tensor t = b.allocate(shape);
        b.copyFromHost(t, values, 0);
        return t;
    }

    public static float[] download(Backend b, Tensor t) {
        float[] v = new float[Math.toIntExact(t.size())];
        b.copyToHost(v, 0, t);
        return v;
    }
}
