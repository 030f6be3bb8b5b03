package org.alexnet4j.backend.reference;

import java.util.Random;
import org.alexnet4j.tensor.Shape;

/** Seeded float64 test data for the reference backend's tests. */
final class DoubleTensors {
    private DoubleTensors() {}

    /** Standard normal values. */
    static DoubleTensor gaussian(Shape shape, Random random) {
        DoubleTensor t = DoubleTensor.zeros(shape);
        for (int i = 0; i < t.data().length; i++) t.data()[i] = random.nextGaussian();
        return t;
    }

    /** Values at least 0.1 away from zero, so a ReLU kink is never within a finite-difference step. */
    static DoubleTensor awayFromZero(Shape shape, Random random) {
        DoubleTensor t = DoubleTensor.zeros(shape);
        for (int i = 0; i < t.data().length; i++) {
            double magnitude = 0.1 + random.nextDouble();
            t.data()[i] = random.nextBoolean() ? magnitude : -magnitude;
        }
        return t;
    }

    /** Distinct values 0.05 apart in random order, so no two pooling candidates tie or swap within a step. */
    static DoubleTensor distinct(Shape shape, Random random) {
        DoubleTensor t = DoubleTensor.zeros(shape);
        int n = t.data().length;
        for (int i = 0; i < n; i++) t.data()[i] = (i - n / 2) * 0.05;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double swap = t.data()[i];
            t.data()[i] = t.data()[j];
            t.data()[j] = swap;
        }
        return t;
    }

    /** Values given literally, for hand-checked cases. */
    static DoubleTensor of(Shape shape, double... values) { return new DoubleTensor(shape, values.clone()); }

    static double dot(DoubleTensor a, DoubleTensor b) {
        double sum = 0;
        for (int i = 0; i < a.data().length; i++) sum += a.data()[i] * b.data()[i];
        return sum;
    }

    static DoubleTensor copy(DoubleTensor t) { return new DoubleTensor(t.shape(), t.data().clone()); }
}
