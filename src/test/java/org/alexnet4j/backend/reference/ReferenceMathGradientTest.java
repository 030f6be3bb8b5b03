package org.alexnet4j.backend.reference;

import static org.alexnet4j.backend.reference.DoubleTensors.awayFromZero;
import static org.alexnet4j.backend.reference.DoubleTensors.distinct;
import static org.alexnet4j.backend.reference.DoubleTensors.dot;
import static org.alexnet4j.backend.reference.DoubleTensors.gaussian;

import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every backward of {@link ReferenceMath} against central finite differences in float64: for a random
 * r, the gradient of L(x) = sum(r * f(x)) is the backward with dy = r.
 */
class ReferenceMathGradientTest {
    /**
     * Step 1e-5: truncation error ~ eps^2 * f''' ~ 1e-10 and rounding error ~ 1e-16 * |L| / eps ~ 1e-10 for
     * these sizes, so 1e-6 relative (with 1e-8 absolute for gradients near zero) leaves two orders of
     * margin while any real mistake in a backward is off by far more than that.
     */
    private static final double EPS = 1e-5, ATOL = 1e-8, RTOL = 1e-6;

    /** Compares {@code analytic} with the central differences of {@code objective} in each element of {@code input}. */
    private static void checkGradient(String what, DoubleTensor input, DoubleSupplier objective, DoubleTensor analytic) {
        double[] numeric = new double[input.data().length];
        for (int i = 0; i < numeric.length; i++) {
            double saved = input.data()[i];
            input.data()[i] = saved + EPS;
            double plus = objective.getAsDouble();
            input.data()[i] = saved - EPS;
            double minus = objective.getAsDouble();
            input.data()[i] = saved;
            numeric[i] = (plus - minus) / (2 * EPS);
        }
        Approx.assertClose(what, numeric, analytic.data(), ATOL, RTOL);
    }

    /** L = sum(r * f()), f evaluated afresh each time. */
    private static DoubleSupplier along(DoubleTensor r, Supplier<DoubleTensor> f) { return () -> dot(r, f.get()); }

    private static void checkConv(int batch, Shape xShape, Shape wShape, ConvSpec spec, long seed) {
        Random random = new Random(seed);
        DoubleTensor x = gaussian(xShape.withBatch(batch), random), w = gaussian(wShape, random), bias = gaussian(Shape.of(wShape.dim(0)), random);
        Shape yShape = spec.outputShape(x.shape(), w.shape());
        DoubleTensor r = gaussian(yShape, random);
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor y = DoubleTensor.zeros(yShape);
            ReferenceMath.conv2dForward(y, x, w, bias, spec);
            return y;
        });
        DoubleTensor dx = DoubleTensor.zeros(x.shape()), dw = DoubleTensor.zeros(w.shape()), db = DoubleTensor.zeros(bias.shape());
        ReferenceMath.conv2dBackwardData(dx, r, w, spec);
        ReferenceMath.conv2dBackwardFilter(dw, r, x, spec);
        ReferenceMath.biasBackward(db, r);
        String what = "conv " + x.shape() + " * " + w.shape() + " " + spec;
        checkGradient(what + " dx", x, objective, dx);
        checkGradient(what + " dw", w, objective, dw);
        checkGradient(what + " dbias", bias, objective, db);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void convolutionGradientsWithStrideFourPaddingAndTwoGroups(int batch) {
        checkConv(batch, Shape.of(1, 4, 13, 11), Shape.of(6, 2, 5, 3), ConvSpec.of(4, 2, 2), 11);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void convolutionGradientsWithUnequalStridesAndPadding(int batch) {
        checkConv(batch, Shape.of(1, 3, 7, 6), Shape.of(5, 3, 3, 2), new ConvSpec(2, 1, 1, 0, 1), 12);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void linearGradients(int batch) {
        Random random = new Random(21);
        DoubleTensor x = gaussian(Shape.of(batch, 7), random), w = gaussian(Shape.of(5, 7), random), bias = gaussian(Shape.of(5), random);
        DoubleTensor r = gaussian(Shape.of(batch, 5), random);
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor y = DoubleTensor.zeros(r.shape());
            ReferenceMath.linearForward(y, x, w, bias);
            return y;
        });
        DoubleTensor dx = DoubleTensor.zeros(x.shape()), dw = DoubleTensor.zeros(w.shape()), db = DoubleTensor.zeros(bias.shape());
        ReferenceMath.linearBackwardData(dx, r, w);
        ReferenceMath.linearBackwardWeight(dw, r, x);
        ReferenceMath.biasBackward(db, r);
        checkGradient("linear dx", x, objective, dx);
        checkGradient("linear dw", w, objective, dw);
        checkGradient("linear dbias", bias, objective, db);
    }

    private static void checkMaxPool(int batch, Shape xShape, PoolSpec spec, long seed) {
        Random random = new Random(seed);
        DoubleTensor x = distinct(xShape.withBatch(batch), random);
        Shape yShape = spec.outputShape(x.shape());
        DoubleTensor r = gaussian(yShape, random);
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor y = DoubleTensor.zeros(yShape);
            ReferenceMath.maxPoolForward(y, x, spec);
            return y;
        });
        DoubleTensor dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.maxPoolBackward(dx, r, x, spec);
        checkGradient("max pool " + x.shape() + " " + spec + " dx", x, objective, dx);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void maxPoolGradientWithOverlappingWindows(int batch) {
        checkMaxPool(batch, Shape.of(1, 3, 9, 7), PoolSpec.of(3, 2), 31);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void maxPoolGradientWithPadding(int batch) {
        checkMaxPool(batch, Shape.of(1, 2, 6, 5), new PoolSpec(3, 2, 2, 1, 1, 1), 32);
    }

    private static void checkAdaptiveAveragePool(int batch, Shape xShape, int P, int Q, long seed) {
        Random random = new Random(seed);
        DoubleTensor x = gaussian(xShape.withBatch(batch), random);
        DoubleTensor r = gaussian(Shape.of(batch, xShape.dim(1), P, Q), random);
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor y = DoubleTensor.zeros(r.shape());
            ReferenceMath.adaptiveAvgPoolForward(y, x);
            return y;
        });
        DoubleTensor dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.adaptiveAvgPoolBackward(dx, r);
        checkGradient("adaptive average pool " + x.shape() + " -> " + r.shape() + " dx", x, objective, dx);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void adaptiveAveragePoolGradientWithUnevenWindows(int batch) {
        checkAdaptiveAveragePool(batch, Shape.of(1, 2, 5, 7), 3, 2, 41);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void adaptiveAveragePoolGradientWhenUpsampling(int batch) {
        checkAdaptiveAveragePool(batch, Shape.of(1, 3, 1, 1), 2, 2, 42);
        checkAdaptiveAveragePool(batch, Shape.of(1, 2, 2, 3), 3, 5, 43);
    }

    private static void checkLrn(int batch, LrnSpec spec, long seed) {
        Random random = new Random(seed);
        DoubleTensor x = gaussian(Shape.of(batch, 7, 3, 2), random);
        DoubleTensor r = gaussian(x.shape(), random);
        DoubleTensor y = DoubleTensor.zeros(x.shape()), scale = DoubleTensor.zeros(x.shape());
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor out = DoubleTensor.zeros(x.shape());
            ReferenceMath.lrnForward(out, DoubleTensor.zeros(x.shape()), x, spec);
            return out;
        });
        ReferenceMath.lrnForward(y, scale, x, spec);
        DoubleTensor dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.lrnBackward(dx, r, y, scale, x, spec);
        checkGradient("LRN " + spec + " dx", x, objective, dx);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void lrnGradientWithThePapersConstantsAcrossSevenChannels(int batch) {
        checkLrn(batch, new LrnSpec(5, 5e-4, 0.75, 2), 51);
    }

    /** alpha/n = 0.6 makes scale depend strongly on the neighbours, so the cross-channel term is large. */
    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void lrnGradientWithALargeAlphaWhereCrossChannelTermsDominate(int batch) {
        checkLrn(batch, new LrnSpec(5, 3.0, 0.75, 1), 52);
        checkLrn(batch, new LrnSpec(3, 1.5, 1.3, 0.5), 53);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void reluGradientAwayFromTheKink(int batch) {
        Random random = new Random(61);
        DoubleTensor x = awayFromZero(Shape.of(batch, 5, 3), random), r = gaussian(x.shape(), random);
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor y = DoubleTensor.zeros(x.shape());
            ReferenceMath.reluForward(y, x);
            return y;
        });
        DoubleTensor y = DoubleTensor.zeros(x.shape()), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.reluForward(y, x);
        ReferenceMath.reluBackward(dx, r, y);
        checkGradient("ReLU dx", x, objective, dx);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void dropoutGradient(int batch) {
        Random random = new Random(71);
        DoubleTensor x = gaussian(Shape.of(batch, 13), random), r = gaussian(x.shape(), random);
        DoubleTensor mask = DoubleTensor.zeros(x.shape());
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor y = DoubleTensor.zeros(x.shape());
            ReferenceMath.dropoutForward(y, mask, x, 0.4f, 99);
            return y;
        });
        objective.getAsDouble();
        DoubleTensor dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.dropoutBackward(dx, r, mask);
        checkGradient("dropout dx", x, objective, dx);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void batchNormGradients(int batch) {
        Random random = new Random(81);
        BatchNormSpec spec = new BatchNormSpec(1e-3, 0.1);
        DoubleTensor x = gaussian(Shape.of(batch, 3, 4, 5), random), r = gaussian(x.shape(), random);
        Shape channels = Shape.of(3);
        DoubleTensor gamma = gaussian(channels, random), beta = gaussian(channels, random);
        DoubleTensor savedMean = DoubleTensor.zeros(channels), savedInvStd = DoubleTensor.zeros(channels);
        DoubleSupplier objective = along(r, () -> {
            DoubleTensor y = DoubleTensor.zeros(x.shape());
            ReferenceMath.batchNormForwardTraining(y, savedMean, savedInvStd, DoubleTensor.zeros(channels), DoubleTensor.zeros(channels),
                    x, gamma, beta, spec);
            return y;
        });
        objective.getAsDouble();
        DoubleTensor dx = DoubleTensor.zeros(x.shape()), dgamma = DoubleTensor.zeros(channels), dbeta = DoubleTensor.zeros(channels);
        ReferenceMath.batchNormBackward(dx, dgamma, dbeta, r, x, gamma, savedMean, savedInvStd);
        checkGradient("batch norm dx", x, objective, dx);
        checkGradient("batch norm dgamma", gamma, objective, dgamma);
        checkGradient("batch norm dbeta", beta, objective, dbeta);
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void softmaxCrossEntropyGradientOfTheMeanLoss(int batch) {
        Random random = new Random(91);
        DoubleTensor logits = gaussian(Shape.of(batch, 6), random);
        int[] labels = random.ints(batch, 0, 6).toArray();
        DoubleTensor probs = DoubleTensor.zeros(logits.shape());
        DoubleSupplier loss = () -> ReferenceMath.softmaxCrossEntropyForward(DoubleTensor.zeros(logits.shape()), logits, labels);
        ReferenceMath.softmaxCrossEntropyForward(probs, logits, labels);
        DoubleTensor dlogits = DoubleTensor.zeros(logits.shape());
        ReferenceMath.softmaxCrossEntropyBackward(dlogits, probs, labels);
        checkGradient("softmax cross-entropy dlogits", logits, loss, dlogits);
    }
}
