package org.alexnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Init;
import org.alexnet4j.nn.Linear;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;

/** One Sgd step updates every parameter of the arena in the paper's form. */
class SgdTest {
    @Test void oneStepFollowsThePaperFormOverTheWholeArena() {
        Architecture architecture = new Architecture(Shape.of(3), List.of(
                new Linear("fc1", 3, 2, true, Init.normal(1), Init.constant(0.5f)), new Linear("fc2", 2, 2, true, Init.normal(1), Init.constant(1))));
        try (Backend backend = Backends.create("reference"); Sequential network = new Sequential(backend, architecture, 4)) {
            int size = Math.toIntExact(network.parameterArena().size());
            assertEquals(4 * 64, size); // four parameters, each padded to 64 floats (ParameterTable.ALIGNMENT_FLOATS)
            float[] w = host(backend, network.parameterArena()), v = new float[size], g = new float[size];
            for (int i = 0; i < size; i++) {
                v[i] = 0.1f * (i - 5);
                g[i] = 0.3f * (i % 4) - 0.4f;
            }
            backend.copyFromHost(network.velocityArena(), v, 0);
            backend.copyFromHost(network.gradientArena(), g, 0);
            float lr = 0.05f;
            new Sgd(lr, 0.9f, 5e-4f).step(network, lr);
            double[] expectedW = new double[size], expectedV = new double[size], actualW = new double[size], actualV = new double[size];
            float[] newW = host(backend, network.parameterArena()), newV = host(backend, network.velocityArena());
            for (int i = 0; i < size; i++) {
                expectedV[i] = 0.9 * v[i] - 5e-4 * lr * w[i] - lr * g[i];
                expectedW[i] = w[i] + expectedV[i];
                actualW[i] = newW[i];
                actualV[i] = newV[i];
            }
            // float32 results of a few float32 operations on values of order 1: a few ulps.
            Approx.assertClose("velocity", expectedV, actualV, 1e-6, 1e-6);
            Approx.assertClose("weights", expectedW, actualW, 1e-6, 1e-6);
        }
    }

    private static float[] host(Backend backend, Tensor t) {
        float[] values = new float[Math.toIntExact(t.size())];
        backend.copyToHost(values, 0, t);
        return values;
    }
}
