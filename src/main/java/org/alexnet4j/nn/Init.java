package org.alexnet4j.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/** How a parameter or buffer is initialised: a seeded normal distribution, or a constant. */
public sealed interface Init {
    /** {@code count} values; the same seed gives the same values. */
    float[] sample(int count, long seed);

    /** N(mean, std^2), drawn from a SplittableRandom seeded with {@code seed}. */
    record Normal(double mean, double std) implements Init {
        public Normal {
            if (!(std >= 0) || !Double.isFinite(mean)) throw new IllegalArgumentException("normal init needs a finite mean and std >= 0, got " + mean + ", " + std);
        }

        @Override public float[] sample(int count, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            float[] values = new float[count];
            for (int i = 0; i < count; i++) values[i] = (float) (mean + std * random.nextGaussian());
            return values;
        }
    }

    /** Every value equal to {@code value}. */
    record Constant(float value) implements Init {
        @Override public float[] sample(int count, long seed) {
            float[] values = new float[count];
            Arrays.fill(values, value);
            return values;
        }
    }

    static Init normal(double std) { return new Normal(0, std); }

    static Init constant(float value) { return new Constant(value); }
}
