package org.alexnet4j.backend.reference;

import static org.alexnet4j.backend.reference.DoubleTensors.copy;
import static org.alexnet4j.backend.reference.DoubleTensors.gaussian;
import static org.alexnet4j.backend.reference.DoubleTensors.of;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.Random;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;

/**
 * Forward values of {@link ReferenceMath} on cases small enough to check by hand, and the properties a
 * gradient check cannot see: which channels a group reads, window placement, ties, accumulation (+=) of
 * parameter gradients, overwriting of data gradients, dropout masks, running statistics, the SGD step.
 * Expected numbers are worked out by hand in the comments; 1e-12 allows only float64 rounding.
 */
class ReferenceMathTest {
    private static final double EXACT = 1e-12;

    private static void assertValues(String what, DoubleTensor actual, double... expected) {
        Approx.assertClose(what, expected, actual.data(), EXACT, EXACT);
    }

    @Test
    void convolutionGroupsReadOnlyTheirOwnChannels() {
        // Four channels holding 1, 10, 100, 1000; two groups; one all-ones 1x1 filter per group.
        DoubleTensor x = of(Shape.of(1, 4, 1, 1), 1, 10, 100, 1000);
        DoubleTensor w = of(Shape.of(2, 2, 1, 1), 1, 1, 1, 1);
        DoubleTensor y = DoubleTensor.zeros(Shape.of(1, 2, 1, 1));
        ReferenceMath.conv2dForward(y, x, w, null, ConvSpec.of(1, 0, 2));
        assertValues("grouped conv y", y, 1 + 10, 100 + 1000);
    }

    @Test
    void convolutionPlacesStridedWindowsOverZeroPadding() {
        // x = 1..9 in a 3x3 grid, 2x2 ones filter, stride 2, padding 1: windows start at rows/cols -1 and 1.
        DoubleTensor x = of(Shape.of(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
        DoubleTensor w = of(Shape.of(1, 1, 2, 2), 1, 1, 1, 1);
        DoubleTensor y = DoubleTensor.zeros(Shape.of(1, 1, 2, 2));
        ReferenceMath.conv2dForward(y, x, w, of(Shape.of(1), 0.5), ConvSpec.of(2, 1, 1));
        assertValues("strided padded conv y", y, 1 + 0.5, 2 + 3 + 0.5, 4 + 7 + 0.5, 5 + 6 + 8 + 9 + 0.5);
    }

    @Test
    void convolutionIsCrossCorrelation() {
        // A 1x2 filter (1, 10) over the row (1, 2, 3): y = 1*1 + 10*2, 1*2 + 10*3 (no flip).
        DoubleTensor y = DoubleTensor.zeros(Shape.of(1, 1, 1, 2));
        ReferenceMath.conv2dForward(y, of(Shape.of(1, 1, 1, 3), 1, 2, 3), of(Shape.of(1, 1, 1, 2), 1, 10), null, ConvSpec.of(1, 0, 1));
        assertValues("conv y", y, 21, 32);
    }

    @Test
    void linearComputesXTimesWTransposedPlusBias() {
        // x = (1, 2), w rows (3, 4) and (5, 6), bias (0.5, -1): y = (1*3 + 2*4 + 0.5, 1*5 + 2*6 - 1).
        DoubleTensor y = DoubleTensor.zeros(Shape.of(1, 2));
        ReferenceMath.linearForward(y, of(Shape.of(1, 2), 1, 2), of(Shape.of(2, 2), 3, 4, 5, 6), of(Shape.of(2), 0.5, -1));
        assertValues("linear y", y, 11.5, 16);
    }

    @Test
    void parameterGradientsAccumulateAndDataGradientsOverwrite() {
        Random random = new Random(5);
        ConvSpec spec = ConvSpec.of(2, 1, 2);
        DoubleTensor x = gaussian(Shape.of(2, 4, 5, 5), random), w = gaussian(Shape.of(4, 2, 3, 3), random);
        DoubleTensor dy = gaussian(spec.outputShape(x.shape(), w.shape()), random);
        DoubleTensor linearX = gaussian(Shape.of(2, 3), random), linearDy = gaussian(Shape.of(2, 4), random);

        DoubleTensor start = gaussian(w.shape(), random), once = DoubleTensor.zeros(w.shape()), twice = copy(start);
        ReferenceMath.conv2dBackwardFilter(once, dy, x, spec);
        ReferenceMath.conv2dBackwardFilter(twice, dy, x, spec);
        ReferenceMath.conv2dBackwardFilter(twice, dy, x, spec);
        assertValues("conv dw after two calls", twice, plusTwice(start, once));

        DoubleTensor biasStart = gaussian(Shape.of(4), random), biasOnce = DoubleTensor.zeros(Shape.of(4)), biasTwice = copy(biasStart);
        ReferenceMath.biasBackward(biasOnce, dy);
        ReferenceMath.biasBackward(biasTwice, dy);
        ReferenceMath.biasBackward(biasTwice, dy);
        assertValues("bias db after two calls", biasTwice, plusTwice(biasStart, biasOnce));

        DoubleTensor linearStart = gaussian(Shape.of(4, 3), random), linearOnce = DoubleTensor.zeros(Shape.of(4, 3)), linearTwice = copy(linearStart);
        ReferenceMath.linearBackwardWeight(linearOnce, linearDy, linearX);
        ReferenceMath.linearBackwardWeight(linearTwice, linearDy, linearX);
        ReferenceMath.linearBackwardWeight(linearTwice, linearDy, linearX);
        assertValues("linear dw after two calls", linearTwice, plusTwice(linearStart, linearOnce));

        DoubleTensor fresh = DoubleTensor.zeros(x.shape()), stale = gaussian(x.shape(), random);
        ReferenceMath.conv2dBackwardData(fresh, dy, w, spec);
        ReferenceMath.conv2dBackwardData(stale, dy, w, spec);
        assertValues("conv dx over stale values", stale, fresh.data());
    }

    @Test
    void batchNormParameterGradientsAccumulate() {
        Random random = new Random(6);
        Shape channels = Shape.of(2);
        DoubleTensor x = gaussian(Shape.of(3, 2, 2, 2), random), dy = gaussian(x.shape(), random), gamma = gaussian(channels, random);
        DoubleTensor mean = DoubleTensor.zeros(channels), invStd = DoubleTensor.zeros(channels);
        ReferenceMath.batchNormForwardTraining(DoubleTensor.zeros(x.shape()), mean, invStd, DoubleTensor.zeros(channels),
                DoubleTensor.zeros(channels), x, gamma, gaussian(channels, random), BatchNormSpec.PYTORCH_DEFAULT);
        DoubleTensor gammaOnce = DoubleTensor.zeros(channels), betaOnce = DoubleTensor.zeros(channels);
        ReferenceMath.batchNormBackward(DoubleTensor.zeros(x.shape()), gammaOnce, betaOnce, dy, x, gamma, mean, invStd);
        DoubleTensor gammaStart = gaussian(channels, random), betaStart = gaussian(channels, random);
        DoubleTensor gammaTwice = copy(gammaStart), betaTwice = copy(betaStart);
        for (int call = 0; call < 2; call++) {
            ReferenceMath.batchNormBackward(gaussian(x.shape(), random), gammaTwice, betaTwice, dy, x, gamma, mean, invStd);
        }
        assertValues("batch norm dgamma after two calls", gammaTwice, plusTwice(gammaStart, gammaOnce));
        assertValues("batch norm dbeta after two calls", betaTwice, plusTwice(betaStart, betaOnce));
    }

    private static double[] plusTwice(DoubleTensor start, DoubleTensor increment) {
        double[] expected = new double[start.data().length];
        for (int i = 0; i < expected.length; i++) expected[i] = start.data()[i] + 2 * increment.data()[i];
        return expected;
    }

    @Test
    void overlappingMaxPoolRoutesEverySharedMaximumBack() {
        // 5x5 with its maximum 9 in the centre, shared by all four 3x3 windows at stride 2.
        DoubleTensor x = DoubleTensor.zeros(Shape.of(1, 1, 5, 5));
        for (int i = 0; i < 25; i++) x.data()[i] = (i * 7) % 5 * 0.1;
        x.data()[12] = 9;
        DoubleTensor y = DoubleTensor.zeros(Shape.of(1, 1, 2, 2)), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.maxPoolForward(y, x, PoolSpec.of(3, 2));
        assertValues("max pool y", y, 9, 9, 9, 9);
        ReferenceMath.maxPoolBackward(dx, of(y.shape(), 1, 2, 3, 4), x, PoolSpec.of(3, 2));
        double[] expected = new double[25];
        expected[12] = 1 + 2 + 3 + 4;
        assertValues("max pool dx", dx, expected);
    }

    @Test
    void maxPoolWindowsStepByTheStride() {
        // One row 0..6, window 3, stride 2: windows [0..2], [2..4], [4..6] -> maxima 2, 4, 6.
        DoubleTensor y = DoubleTensor.zeros(Shape.of(1, 1, 1, 3));
        ReferenceMath.maxPoolForward(y, of(Shape.of(1, 1, 1, 7), 0, 1, 2, 3, 4, 5, 6), new PoolSpec(1, 3, 1, 2, 0, 0));
        assertValues("max pool y", y, 2, 4, 6);
    }

    @Test
    void maxPoolTiesGoToTheFirstInRowMajorOrder() {
        // A 2x2 window of equal values: the gradient goes to the top-left one only.
        DoubleTensor x = of(Shape.of(1, 1, 2, 2), 3, 3, 3, 3), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.maxPoolBackward(dx, of(Shape.of(1, 1, 1, 1), 1), x, PoolSpec.of(2, 2));
        assertValues("max pool dx on a tie", dx, 1, 0, 0, 0);
    }

    @Test
    void paddedCellsNeverWinAMaxPool() {
        // All inputs negative: a padding zero would win if it took part.
        DoubleTensor x = of(Shape.of(1, 1, 2, 2), -4, -3, -2, -1), y = DoubleTensor.zeros(Shape.of(1, 1, 2, 2));
        ReferenceMath.maxPoolForward(y, x, new PoolSpec(2, 2, 1, 1, 1, 1));
        assertValues("padded max pool y", y, -4, -3, -2, -1);
    }

    @Test
    void adaptiveAveragePoolUsesPyTorchWindows() {
        // x[h][w] = 10h + w on 5x7 -> 3x2. Rows: [0,2), [1,4), [3,5); columns: [0,4), [3,7).
        DoubleTensor x = DoubleTensor.zeros(Shape.of(1, 1, 5, 7));
        for (int h = 0; h < 5; h++) for (int w = 0; w < 7; w++) x.data()[h * 7 + w] = 10 * h + w;
        DoubleTensor y = DoubleTensor.zeros(Shape.of(1, 1, 3, 2));
        ReferenceMath.adaptiveAvgPoolForward(y, x);
        // mean of 10h over the rows plus mean of w over the columns: rows 5, 20, 35; columns 1.5, 4.5.
        assertValues("adaptive pool y", y, 6.5, 9.5, 21.5, 24.5, 36.5, 39.5);

        DoubleTensor up = DoubleTensor.zeros(Shape.of(1, 1, 2, 2));
        ReferenceMath.adaptiveAvgPoolForward(up, of(Shape.of(1, 1, 1, 1), 7));
        assertValues("adaptive pool 1x1 -> 2x2", up, 7, 7, 7, 7);
    }

    @Test
    void lrnMatchesTheCudnnFormulaAtChannelEdgesAndInside() {
        // Seven channels, one pixel, n = 5 (half-window 2), alpha divided by n.
        double k = 2, alpha = 0.5, beta = 0.75;
        double[] v = {0.3, -1.2, 0.7, 2.0, -0.4, 1.1, -0.9};
        DoubleTensor x = of(Shape.of(1, 7, 1, 1), v), y = DoubleTensor.zeros(x.shape()), scale = DoubleTensor.zeros(x.shape());
        ReferenceMath.lrnForward(y, scale, x, new LrnSpec(5, alpha, beta, k));
        double first = k + alpha / 5 * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        double middle = k + alpha / 5 * (v[1] * v[1] + v[2] * v[2] + v[3] * v[3] + v[4] * v[4] + v[5] * v[5]);
        double last = k + alpha / 5 * (v[4] * v[4] + v[5] * v[5] + v[6] * v[6]);
        double secondLast = k + alpha / 5 * (v[3] * v[3] + v[4] * v[4] + v[5] * v[5] + v[6] * v[6]);
        assertEquals(first, scale.data()[0], EXACT, "scale at channel 0");
        assertEquals(middle, scale.data()[3], EXACT, "scale at channel 3");
        assertEquals(secondLast, scale.data()[5], EXACT, "scale at channel 5");
        assertEquals(last, scale.data()[6], EXACT, "scale at channel 6");
        assertEquals(v[0] / Math.pow(first, beta), y.data()[0], EXACT, "y at channel 0");
        assertEquals(v[6] / Math.pow(last, beta), y.data()[6], EXACT, "y at channel 6");
    }

    @Test
    void reluClampsNegativesAndGatesTheGradient() {
        DoubleTensor x = of(Shape.of(4), -2, 0, 3, -0.5), y = DoubleTensor.zeros(x.shape()), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.reluForward(y, x);
        assertValues("relu y", y, 0, 0, 3, 0);
        ReferenceMath.reluBackward(dx, of(x.shape(), 1, 2, 3, 4), y);
        assertValues("relu dx", dx, 0, 0, 3, 0);
    }

    @Test
    void dropoutMaskIsAFunctionOfSeedAndIndex() {
        int size = 20_000;
        float p = 0.3f;
        DoubleTensor x = DoubleTensor.zeros(Shape.of(size));
        Arrays.fill(x.data(), 2);
        DoubleTensor y = DoubleTensor.zeros(x.shape()), mask = DoubleTensor.zeros(x.shape()), again = DoubleTensor.zeros(x.shape());
        ReferenceMath.dropoutForward(y, mask, x, p, 1234);
        int kept = 0;
        for (int i = 0; i < size; i++) {
            boolean dropped = CounterRng.uniform(1234, i) < p;
            assertEquals(dropped ? 0 : 1 / (1 - (double) p), mask.data()[i], EXACT, "mask[" + i + "]");
            assertEquals(2 * mask.data()[i], y.data()[i], EXACT, "y[" + i + "]");
            if (!dropped) kept++;
        }
        // Binomial(20000, 0.7): standard deviation 65 units; allow 5 of them.
        assertEquals(0.7 * size, kept, 5 * Math.sqrt(size * 0.21), "kept units");
        ReferenceMath.dropoutForward(DoubleTensor.zeros(x.shape()), again, x, p, 1234);
        assertArrayEquals(mask.data(), again.data(), "same seed, same mask");
        ReferenceMath.dropoutForward(DoubleTensor.zeros(x.shape()), again, x, p, 1235);
        assertNotEquals(Arrays.toString(mask.data()), Arrays.toString(again.data()), "another seed, another mask");
    }

    @Test
    void batchNormTrainingNormalizesWithTheBiasedVarianceAndTracksTheUnbiasedOne() {
        // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased variance 5/3.
        BatchNormSpec spec = new BatchNormSpec(1e-5, 0.1);
        Shape one = Shape.of(1);
        DoubleTensor x = of(Shape.of(2, 1, 1, 2), 1, 2, 3, 4), y = DoubleTensor.zeros(x.shape());
        DoubleTensor mean = DoubleTensor.zeros(one), invStd = DoubleTensor.zeros(one), runningMean = of(one, 1), runningVar = of(one, 2);
        ReferenceMath.batchNormForwardTraining(y, mean, invStd, runningMean, runningVar, x, of(one, 3), of(one, 0.5), spec);
        double s = 1 / Math.sqrt(1.25 + 1e-5);
        assertValues("saved mean", mean, 2.5);
        assertValues("saved inverse std", invStd, s);
        assertValues("y", y, 3 * -1.5 * s + 0.5, 3 * -0.5 * s + 0.5, 3 * 0.5 * s + 0.5, 3 * 1.5 * s + 0.5);
        assertValues("running mean", runningMean, 0.9 * 1 + 0.1 * 2.5);
        assertValues("running variance", runningVar, 0.9 * 2 + 0.1 * 5.0 / 3);

        DoubleTensor inference = DoubleTensor.zeros(x.shape());
        ReferenceMath.batchNormForwardInference(inference, x, of(one, 3), of(one, 0.5), of(one, 1), of(one, 4), spec);
        double t = 1 / Math.sqrt(4 + 1e-5);
        assertValues("inference y", inference, 0.5, 3 * t + 0.5, 6 * t + 0.5, 9 * t + 0.5);
    }

    @Test
    void softmaxCrossEntropyOnLogarithmsOfOneTwoThree() {
        // logits ln 1, ln 2, ln 3 -> probs 1/6, 2/6, 3/6; label 2 costs ln 2, label 0 costs ln 6.
        double[] logits = {0, Math.log(2), Math.log(3)};
        DoubleTensor in = of(Shape.of(2, 3), logits[0], logits[1], logits[2], logits[0] + 100, logits[1] + 100, logits[2] + 100);
        DoubleTensor probs = DoubleTensor.zeros(in.shape()), dlogits = DoubleTensor.zeros(in.shape());
        double loss = ReferenceMath.softmaxCrossEntropyForward(probs, in, new int[] {2, 0});
        assertValues("probs", probs, 1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 6.0, 2 / 6.0, 3 / 6.0);
        assertEquals((Math.log(2) + Math.log(6)) / 2, loss, EXACT, "mean loss");
        ReferenceMath.softmaxCrossEntropyBackward(dlogits, probs, new int[] {2, 0});
        assertValues("dlogits", dlogits, 1 / 12.0, 2 / 12.0, -3 / 12.0, -5 / 12.0, 2 / 12.0, 3 / 12.0);
    }

    @Test
    void sgdTakesThePapersStep() {
        // lr 0.1, momentum 0.9, decay 0.01; w = 1, v = 0.5, g = 2: v = 0.45 - 0.001 - 0.2 = 0.249, w = 1.249.
        // w = -2, v = 0, g = -1: v = 0 + 0.002 + 0.1 = 0.102, w = -1.898.
        SgdSpec spec = new SgdSpec(0.1f, 0.9f, 0.01f);
        DoubleTensor w = of(Shape.of(2), 1, -2), v = of(Shape.of(2), 0.5, 0), g = of(Shape.of(2), 2, -1);
        ReferenceMath.sgdUpdate(w, v, g, spec);
        // The spec holds floats: 0.1f, 0.9f, 0.01f differ from 0.1, 0.9, 0.01 by under 3e-8 relative,
        // which moves these results by under 2e-8.
        Approx.assertClose("velocity", new double[] {0.249, 0.102}, v.data(), 1e-7, 0);
        Approx.assertClose("weights", new double[] {1.249, -1.898}, w.data(), 1e-7, 0);
    }
}
