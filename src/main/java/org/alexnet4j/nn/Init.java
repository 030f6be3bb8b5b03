package org.alexnet4j.nn;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.alexnet4j.tensor.Shape;

/** How a parameter or buffer is initialised: a seeded normal distribution (fixed or fan-in scaled), or a constant. */
public sealed interface Init {
    /** Values for a tensor of {@code shape}; the same seed gives the same values. */
    float[] sample(Shape shape, long seed);

    /** N(mean, std^2), drawn from a SplittableRandom seeded with {@code seed}. */
    record Normal(double mean, double std) implements Init {
        public Normal {
            if (!(std >= 0) || !Double.isFinite(mean)) throw new IllegalArgumentException("normal init needs a finite mean and std >= 0, got " + mean + ", " + std);
        }

        @Override public float[] sample(Shape shape, long seed) {
            return gaussian(Math.toIntExact(shape.size()), mean, std, seed);
        }
    }

    /**
     * He (Kaiming) normal, fan-in mode: N(0, 2 / fanIn) with fanIn = elements per output unit
     * (C/groups * R * S for a conv weight (K, C/groups, R, S), in for a linear weight (out, in)).
     */
    record HeNormal() implements Init {
        @Override public float[] sample(Shape shape, long seed) {
            return gaussian(Math.toIntExact(shape.size()), 0, Math.sqrt(2.0 / shape.itemSize()), seed);
        }
    }

    /** Every value equal to {@code value}. */
    record Constant(float value) implements Init {
        @Override public float[] sample(Shape shape, long seed) {
            float[] values = new float[Math.toIntExact(shape.size())];
            Arrays.fill(values, value);
            return values;
        }
    }

    static Init normal(double std) { return new Normal(0, std); }

    static Init he() { return new HeNormal(); }

    static Init constant(float value) { return new Constant(value); }

    private static float[] gaussian(int count, double mean, double std, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float) (mean + std * random.nextGaussian());
        return values;
    }
}
