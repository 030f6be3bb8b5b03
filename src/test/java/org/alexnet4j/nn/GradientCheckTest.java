package org.alexnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.Batch;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;

/**
 * Whole-network consistency: the gradients Sequential.backward leaves in the gradient arena equal central
 * finite differences of the training loss (same dropout mask: the step is reset before every forward)
 * w.r.t. a few elements of every parameter, through the reference backend.
 */
class GradientCheckTest {
    /**
     * Activations are float32, so the loss (about 1) carries rounding noise of about 1e-7 (every op
     * accumulates in float64 and rounds once); with eps = 1e-3 that is ~1e-4 in the quotient, and the
     * O(eps^2) truncation error is smaller still. eps = 1e-2 is too coarse here: it moves one ReLU unit
     * across its kink for bn1.bias[2] (difference quotient -0.339 at 1e-2, -0.42260 at 3e-3, 1e-3 and 3e-4,
     * backward -0.42262). atol 1e-3 and rtol 1e-2 sit an order of magnitude above the noise and far
     * below the gradients checked (most above 1e-2).
     */
    private static final float EPS = 1e-3f;
    private static final double ATOL = 1e-3, RTOL = 1e-2;

    @Test void backwardMatchesFiniteDifferencesOfTheLoss() {
        try (Backend backend = Backends.create("reference");
             Sequential network = new Sequential(backend, SmallNetworks.architecture(), 11)) {
            Batch batch = SmallNetworks.batch(3, 5);
            try (Tensor x = backend.allocate(batch.shape()); Tensor probs = backend.allocate(Shape.of(3, SmallNetworks.CLASSES));
                 Tensor dLogits = backend.allocate(Shape.of(3, SmallNetworks.CLASSES))) {
                backend.copyFromHost(x, batch.images(), 0);
                int[] labels = batch.labels();
                // Twice: gradients of a second backward must not include the first's (the arena is zeroed).
                for (int pass = 0; pass < 2; pass++) {
                    network.setStep(3);
                    backend.softmaxCrossEntropyForward(probs, network.forward(x, true), labels);
                    backend.softmaxCrossEntropyBackward(dLogits, probs, labels);
                    network.backward(dLogits);
                }
                List<Double> analytic = new ArrayList<>(), numeric = new ArrayList<>();
                for (ParameterTable.Entry e : network.architecture().parameters().entries()) {
                    float[] gradient = read(backend, network.gradients().get(e.name()));
                    float[] values = network.read(e.name());
                    for (int index : new int[] {0, values.length / 2, values.length - 1}) {
                        float original = values[index];
                        values[index] = original + EPS;
                        network.write(e.name(), e.shape(), values);
                        double plus = loss(network, backend, x, probs, labels);
                        values[index] = original - EPS;
                        network.write(e.name(), e.shape(), values);
                        double minus = loss(network, backend, x, probs, labels);
                        values[index] = original;
                        network.write(e.name(), e.shape(), values);
                        analytic.add((double) gradient[index]);
                        numeric.add((plus - minus) / (2 * EPS));
                    }
                }
                Approx.assertClose("gradient arena vs finite differences", toArray(numeric), toArray(analytic), ATOL, RTOL);
                assertTrue(analytic.stream().filter(g -> Math.abs(g) > 1e-2).count() > analytic.size() / 2,
                        "most checked gradients must be well above the tolerance, got " + analytic);
            }
        }
    }

    private static double loss(Sequential network, Backend backend, Tensor x, Tensor probs, int[] labels) {
        network.setStep(3);
        return backend.softmaxCrossEntropyForward(probs, network.forward(x, true), labels);
    }

    private static float[] read(Backend backend, Tensor t) {
        float[] values = new float[Math.toIntExact(t.size())];
        backend.copyToHost(values, 0, t);
        return values;
    }

    private static double[] toArray(List<Double> list) { return list.stream().mapToDouble(Double::doubleValue).toArray(); }
}
