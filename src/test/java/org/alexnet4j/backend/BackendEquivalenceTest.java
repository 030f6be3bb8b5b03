package org.alexnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.alexnet4j.backend.BackendPair.Twin;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.testing.HostTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend (except the reference) against the reference backend, op by op: seeded inputs with odd
 * sizes that leave vector tails (17, 33, 37 channels; 13x13, 27x27 planes), batch 1 and 3, groups 1 and 2,
 * stride 4 and padding, every backward op, the += of parameter-gradient ops (their outputs start non-zero)
 * and in-place use. Unavailable backends (no GPU) are skipped with the reason.
 *
 * <p>Tolerances: element-wise |a - r| <= atol + rtol*|r|. The reference accumulates in float64 and rounds
 * once; a float32 sum of L terms of typical size t (inputs here are standard normal) drifts like a random
 * walk of L roundings of partial sums of size ~sqrt(L)*t, so reductions get atol = 8 u sqrt(L) * sqrt(L) t
 * ({@link #sumAtol}, u = 2^-24), 8 for the tail of the walk; rtol 1e-5 covers the rounding of the result.
 * Ops without reductions are exact up to one or two roundings (rtol 1e-6 or exact).
 */
class BackendEquivalenceTest {
    static final double U = 0x1p-24;

    /** atol for a float32 sum of {@code terms} products of typical size {@code term}. */
    static double sumAtol(long terms, double term) { return 8 * U * terms * term; }

    static Stream<String> backends() { return BackendPair.candidates(); }

    /** A convolution case: input (n, c, h, w), k filters of r x s, the spec. */
    record ConvCase(int n, int c, int h, int w, int k, int r, int s, ConvSpec spec) {
        Shape x() { return Shape.of(n, c, h, w); }
        Shape filter() { return Shape.of(k, c / spec.groups(), r, s); }
        Shape y() { return spec.outputShape(x(), filter()); }
        @Override public String toString() { return "x" + x() + " w" + filter() + " " + spec; }
    }

    static final List<ConvCase> CONV_CASES = List.of(
            new ConvCase(1, 3, 31, 31, 17, 11, 11, ConvSpec.of(4, 0, 1)),       // conv1-like: C=3, 11x11 stride 4
            new ConvCase(3, 3, 35, 33, 16, 11, 11, ConvSpec.of(4, 2, 1)),       // stride 4 with padding, batch 3
            new ConvCase(3, 17, 13, 13, 33, 3, 3, ConvSpec.of(1, 1, 1)),        // conv3-like: 13x13, odd channels
            new ConvCase(1, 64, 13, 13, 38, 3, 3, ConvSpec.of(1, 1, 2)),        // two towers
            new ConvCase(2, 460, 5, 6, 20, 3, 3, ConvSpec.of(1, 1, 1)),         // 4140 = C*R*S spans two GEMM depth blocks
            new ConvCase(3, 6, 27, 27, 10, 5, 5, ConvSpec.of(1, 2, 2)),         // conv2-like: 27x27, 5x5 pad 2, groups 2
            new ConvCase(3, 5, 17, 19, 37, 3, 5, new ConvSpec(2, 3, 1, 2, 1))); // rectangular, mixed strides and pads

    static Stream<Arguments> convCases() { return backends().flatMap(b -> CONV_CASES.stream().map(c -> Arguments.of(b, c))); }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("convCases")
    void convolutionForwardAndBackwardMatchReference(String backend, ConvCase cc) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Twin x = pair.gaussian(cc.x(), 1), w = pair.gaussian(cc.filter(), 2), bias = pair.gaussian(Shape.of(cc.k()), 3);
            Twin y = pair.zeros(cc.y()), yNoBias = pair.zeros(cc.y()), dy = pair.gaussian(cc.y(), 4);
            Twin dx = pair.gaussian(cc.x(), 5), dw = pair.gaussian(cc.filter(), 6), db = pair.gaussian(Shape.of(cc.k()), 7);
            pair.run(b -> b.conv2dForward(pair.on(y, b), pair.on(x, b), pair.on(w, b), pair.on(bias, b), cc.spec()));
            pair.run(b -> b.conv2dForward(pair.on(yNoBias, b), pair.on(x, b), pair.on(w, b), null, cc.spec()));
            pair.run(b -> b.conv2dBackwardData(pair.on(dx, b), pair.on(dy, b), pair.on(w, b), cc.spec()));
            pair.run(b -> b.conv2dBackwardFilter(pair.on(dw, b), pair.on(dy, b), pair.on(x, b), cc.spec()));
            pair.run(b -> b.biasBackward(pair.on(db, b), pair.on(dy, b)));
            int cg = cc.c() / cc.spec().groups(), kg = cc.k() / cc.spec().groups();
            long forwardTerms = (long) cg * cc.r() * cc.s(), dataTerms = (long) kg * cc.r() * cc.s();
            long filterTerms = (long) cc.n() * cc.y().dim(2) * cc.y().dim(3);
            pair.expectClose("conv2dForward y", y, sumAtol(forwardTerms, 1), 1e-5);
            pair.expectClose("conv2dForward y (no bias)", yNoBias, sumAtol(forwardTerms, 1), 1e-5);
            pair.expectClose("conv2dBackwardData dx", dx, sumAtol(dataTerms, 1), 1e-5);
            pair.expectClose("conv2dBackwardFilter dw (+=)", dw, sumAtol(filterTerms, 1), 1e-5);
            pair.expectClose("biasBackward db (+=)", db, sumAtol(filterTerms, 1), 1e-5);
        }
    }

    static Stream<Arguments> linearCases() {
        // (N, in, out): vector tails, depths past one GEMM block (4200 > 4096; 2100 > 2048, the depth of narrow
        // products), 8300 columns past one packed block; 1040 x 520 x 230 packs A by row groups (more than 512
        // rows per worker), in several column blocks
        int[][] sizes = {{1, 37, 33}, {3, 130, 70}, {3, 70, 300}, {2, 2100, 9}, {17, 33, 129}, {1, 8300, 3}, {1040, 520, 230}, {130, 4200, 140}};
        return backends().flatMap(b -> Stream.of(sizes).map(s -> Arguments.of(b, s[0], s[1], s[2])));
    }

    @ParameterizedTest(name = "{0} N={1} in={2} out={3}")
    @MethodSource("linearCases")
    void linearForwardAndBackwardMatchReference(String backend, int n, int in, int out) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Twin x = pair.gaussian(Shape.of(n, in), 11), w = pair.gaussian(Shape.of(out, in), 12), bias = pair.gaussian(Shape.of(out), 13);
            Twin y = pair.zeros(Shape.of(n, out)), dy = pair.gaussian(Shape.of(n, out), 14);
            Twin dx = pair.gaussian(Shape.of(n, in), 15), dw = pair.gaussian(Shape.of(out, in), 16), db = pair.gaussian(Shape.of(out), 17);
            pair.run(b -> b.linearForward(pair.on(y, b), pair.on(x, b), pair.on(w, b), pair.on(bias, b)));
            pair.run(b -> b.linearBackwardData(pair.on(dx, b), pair.on(dy, b), pair.on(w, b)));
            pair.run(b -> b.linearBackwardWeight(pair.on(dw, b), pair.on(dy, b), pair.on(x, b)));
            pair.run(b -> b.biasBackward(pair.on(db, b), pair.on(dy, b)));
            pair.expectClose("linearForward y", y, sumAtol(in, 1), 1e-5);
            pair.expectClose("linearBackwardData dx", dx, sumAtol(out, 1), 1e-5);
            pair.expectClose("linearBackwardWeight dw (+=)", dw, sumAtol(n, 1), 1e-5);
            pair.expectClose("biasBackward db (+=)", db, sumAtol(n, 1), 1e-5);
        }
    }

    static Stream<Arguments> poolCases() {
        Object[][] cases = {{Shape.of(3, 5, 27, 27), PoolSpec.of(3, 2)}, {Shape.of(1, 17, 13, 13), PoolSpec.of(3, 2)},
                {Shape.of(3, 3, 12, 15), new PoolSpec(3, 3, 2, 2, 1, 1)}, {Shape.of(1, 2, 9, 8), PoolSpec.of(2, 2)},
                // pool1's rows (27 windows: more than one vector, the last one part full); stride 1 and 3 across
                {Shape.of(1, 3, 55, 55), PoolSpec.of(3, 2)}, {Shape.of(2, 3, 11, 40), new PoolSpec(3, 2, 1, 1, 1, 0)},
                {Shape.of(1, 2, 10, 17), new PoolSpec(4, 4, 3, 3, 1, 1)}};
        return backends().flatMap(b -> Stream.of(cases).map(c -> Arguments.of(b, c[0], c[1])));
    }

    /** Exact: a max picks one input; backward sums at most windowH*windowW values of dy per input (rtol 1e-6). */
    @ParameterizedTest(name = "{0} x{1} {2}")
    @MethodSource("poolCases")
    void maxPoolingMatchesReference(String backend, Shape xs, PoolSpec spec) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Shape ys = spec.outputShape(xs);
            Twin x = pair.gaussian(xs, 21), y = pair.zeros(ys), dy = pair.gaussian(ys, 22), dx = pair.gaussian(xs, 23);
            pair.run(b -> b.maxPoolForward(pair.on(y, b), pair.on(x, b), spec));
            pair.run(b -> b.maxPoolBackward(pair.on(dx, b), pair.on(dy, b), pair.on(y, b), pair.on(x, b), spec));
            pair.expectClose("maxPoolForward y", y, 0, 0);
            pair.expectClose("maxPoolBackward dx", dx, 1e-6, 1e-6);
        }
    }

    /**
     * Inputs of -1, 0 and 1 (as after a ReLU, windows share their maximum): backward must route each dy to
     * the first maximum in row-major window order, as the reference does. Rows of 70 and 71 give 34 and 35
     * windows per row, two full vectors and a tail; padding clips the edge windows.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tiedPoolCases")
    void maxPoolingBreaksTiesAsTheReference(String backend, PoolSpec spec) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Shape xs = Shape.of(2, 3, 9, spec.padW() == 0 ? 70 : 71), ys = spec.outputShape(xs);
            float[] values = HostTensors.gaussian(24, xs.size(), 1);
            for (int i = 0; i < values.length; i++) values[i] = Math.max(-1, Math.min(1, Math.round(values[i])));
            Twin x = pair.of(xs, values), y = pair.zeros(ys), dy = pair.gaussian(ys, 25), dx = pair.zeros(xs);
            pair.run(b -> b.maxPoolForward(pair.on(y, b), pair.on(x, b), spec));
            pair.run(b -> b.maxPoolBackward(pair.on(dx, b), pair.on(dy, b), pair.on(y, b), pair.on(x, b), spec));
            pair.expectClose("maxPoolForward y", y, 0, 0);
            pair.expectClose("maxPoolBackward dx", dx, 1e-6, 1e-6);
        }
    }

    /**
     * Non-finite inputs (NaN, +-infinity, -0) through ReLU and max pooling: NaN propagates as in the reference
     * (Math.max(x, 0) keeps it; a window holding a NaN gives NaN, and its gradient goes to the window's first
     * NaN); results match exactly, NaN for NaN.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void reluAndMaxPoolingPropagateNaNAsTheReference(String backend) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Shape xs = Shape.of(2, 3, 9, 11);
            PoolSpec spec = PoolSpec.of(3, 2);
            Shape ys = spec.outputShape(xs);
            float[] values = HostTensors.gaussian(26, xs.size(), 1);
            float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f};
            for (int i = 0; i < values.length; i += 7) values[i] = specials[i / 7 % specials.length];
            Twin x = pair.of(xs, values), relu = pair.zeros(xs), reluGrad = pair.zeros(xs), dy = pair.gaussian(xs, 27);
            Twin y = pair.zeros(ys), poolGrad = pair.gaussian(ys, 28), pooledDx = pair.zeros(xs);
            pair.run(b -> b.reluForward(pair.on(relu, b), pair.on(x, b)));
            pair.run(b -> b.reluBackward(pair.on(reluGrad, b), pair.on(dy, b), pair.on(relu, b)));
            pair.run(b -> b.maxPoolForward(pair.on(y, b), pair.on(x, b), spec));
            pair.run(b -> b.maxPoolBackward(pair.on(pooledDx, b), pair.on(poolGrad, b), pair.on(y, b), pair.on(x, b), spec));
            pair.expectClose("reluForward y with NaN and infinities", relu, 0, 0);
            pair.expectClose("reluBackward dx with NaN and infinities", reluGrad, 0, 0);
            pair.expectClose("maxPoolForward y with NaN and infinities", y, 0, 0);
            pair.expectClose("maxPoolBackward dx through windows with NaN and infinities", pooledDx, 1e-6, 1e-6);
        }
    }

    static Stream<Arguments> tiedPoolCases() {
        return backends().flatMap(b -> Stream.of(PoolSpec.of(3, 2), new PoolSpec(3, 3, 2, 2, 1, 1)).map(s -> Arguments.of(b, s)));
    }

    static Stream<Arguments> adaptiveCases() {
        Shape[][] cases = {{Shape.of(3, 5, 13, 13), Shape.of(3, 5, 6, 6)}, {Shape.of(1, 17, 5, 7), Shape.of(1, 17, 3, 2)},
                {Shape.of(1, 3, 6, 6), Shape.of(1, 3, 6, 6)}};
        return backends().flatMap(b -> Stream.of(cases).map(c -> Arguments.of(b, c[0], c[1])));
    }

    /** Averages of at most a few cells: a couple of roundings (rtol 1e-6). */
    @ParameterizedTest(name = "{0} x{1} -> {2}")
    @MethodSource("adaptiveCases")
    void adaptiveAveragePoolingMatchesReference(String backend, Shape xs, Shape ys) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Twin x = pair.gaussian(xs, 31), y = pair.zeros(ys), dy = pair.gaussian(ys, 32), dx = pair.gaussian(xs, 33);
            pair.run(b -> b.adaptiveAvgPoolForward(pair.on(y, b), pair.on(x, b)));
            pair.run(b -> b.adaptiveAvgPoolBackward(pair.on(dx, b), pair.on(dy, b)));
            pair.expectClose("adaptiveAvgPoolForward y", y, 1e-6, 1e-6);
            pair.expectClose("adaptiveAvgPoolBackward dx", dx, 1e-6, 1e-6);
        }
    }

    static Stream<Arguments> lrnCases() {
        Object[][] cases = {
                {Shape.of(3, 17, 13, 13), new LrnSpec(5, 0.5, 0.75, 2), 1.0},   // strong normalization: scale ~ 2.5
                {Shape.of(1, 37, 27, 27), new LrnSpec(5, 5e-4, 0.75, 2), 30.0}, // the paper's constants, inputs large enough to matter
                {Shape.of(3, 2, 5, 7), new LrnSpec(3, 1.0, 0.6, 1), 1.0},      // fewer channels than the window, beta != 0.75
                {Shape.of(1, 33, 3, 3), new LrnSpec(1, 0.3, 1.25, 1e-2), 1.0}};
        return backends().flatMap(b -> Stream.of(cases).map(c -> Arguments.of(b, c[0], c[1], c[2])));
    }

    /**
     * Forward: a window of n squares, one power: a few ulps (rtol 1e-5). Backward subtracts two terms of
     * similar size, so its error is relative to the terms (|dy| scale^-beta ~ 1), not to the result: atol 1e-5.
     */
    @ParameterizedTest(name = "{0} x{1} {2} input scale {3}")
    @MethodSource("lrnCases")
    void localResponseNormalizationMatchesReference(String backend, Shape xs, LrnSpec spec, double inputScale) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Twin x = pair.of(xs, HostTensors.gaussian(41, xs.size(), inputScale));
            Twin y = pair.zeros(xs), scale = pair.zeros(xs), dy = pair.gaussian(xs, 42), dx = pair.zeros(xs);
            pair.run(b -> b.lrnForward(pair.on(y, b), pair.on(scale, b), pair.on(x, b), spec));
            pair.expectClose("lrnForward y", y, 1e-6 * inputScale, 1e-5);
            pair.expectClose("lrnForward scale", scale, 0, 1e-5);
            pair.run(b -> b.lrnBackward(pair.on(dx, b), pair.on(dy, b), pair.on(y, b), pair.on(scale, b), pair.on(x, b), spec));
            pair.expectClose("lrnBackward dx", dx, 1e-5, 1e-4);
        }
    }

    static Stream<Arguments> elementwiseCases() {
        Shape[] shapes = {Shape.of(3, 33, 13, 13), Shape.of(1, 4097), Shape.of(3, 17)};
        return backends().flatMap(b -> Stream.of(shapes).map(s -> Arguments.of(b, s)));
    }

    /** ReLU is exact; dropout multiplies by the same float mask (the reference rounds x*mask once from float64: rtol 1e-6). */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("elementwiseCases")
    void reluAndDropoutMatchReferenceAlsoInPlace(String backend, Shape shape) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Twin x = pair.gaussian(shape, 51), y = pair.zeros(shape), dy = pair.gaussian(shape, 52), dx = pair.zeros(shape);
            pair.run(b -> b.reluForward(pair.on(y, b), pair.on(x, b)));
            pair.run(b -> b.reluBackward(pair.on(dx, b), pair.on(dy, b), pair.on(y, b)));
            pair.expectClose("reluForward y", y, 0, 0);
            pair.expectClose("reluBackward dx", dx, 0, 0);
            Twin inPlace = pair.gaussian(shape, 51), gradInPlace = pair.gaussian(shape, 52);
            pair.run(b -> b.reluForward(pair.on(inPlace, b), pair.on(inPlace, b)));
            pair.run(b -> b.reluBackward(pair.on(gradInPlace, b), pair.on(gradInPlace, b), pair.on(inPlace, b)));
            pair.expectClose("reluForward in place", inPlace, 0, 0);
            pair.expectClose("reluBackward in place", gradInPlace, 0, 0);

            for (float p : new float[] {0.5f, 0.3f, 0f}) {
                Twin mask = pair.zeros(shape), dropped = pair.zeros(shape), back = pair.zeros(shape);
                Twin own = pair.gaussian(shape, 53), ownGrad = pair.gaussian(shape, 54);
                pair.run(b -> b.dropoutForward(pair.on(dropped, b), pair.on(mask, b), pair.on(x, b), p, 2012L));
                pair.run(b -> b.dropoutBackward(pair.on(back, b), pair.on(dy, b), pair.on(mask, b)));
                pair.run(b -> b.dropoutForward(pair.on(own, b), pair.on(mask, b), pair.on(own, b), p, 2012L));
                pair.run(b -> b.dropoutBackward(pair.on(ownGrad, b), pair.on(ownGrad, b), pair.on(mask, b)));
                pair.expectClose("dropout mask p=" + p, mask, 0, 1e-6);
                pair.expectClose("dropoutForward y p=" + p, dropped, 0, 1e-6);
                pair.expectClose("dropoutBackward dx p=" + p, back, 0, 1e-6);
                pair.expectClose("dropoutForward in place p=" + p, own, 0, 1e-6);
                pair.expectClose("dropoutBackward in place p=" + p, ownGrad, 0, 1e-6);
            }
        }
    }

    static Stream<Arguments> batchNormCases() {
        Shape[] shapes = {Shape.of(3, 5, 7, 9), Shape.of(1, 17, 13, 13), Shape.of(3, 2, 1, 1)};
        return backends().flatMap(b -> Stream.of(shapes).map(s -> Arguments.of(b, s)));
    }

    /**
     * Statistics are sums over N*H*W values (float32 inside a plane, float64 across planes here):
     * sumAtol(N*H*W) on the normalized values' scale; running statistics and gamma/beta gradients (+=) likewise.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("batchNormCases")
    void batchNormMatchesReference(String backend, Shape xs) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Shape cs = Shape.of(xs.dim(1));
            long m = xs.size() / xs.dim(1);
            BatchNormSpec spec = BatchNormSpec.PYTORCH_DEFAULT;
            Twin x = pair.of(xs, HostTensors.gaussian(61, xs.size(), 3)), gamma = pair.gaussian(cs, 62), beta = pair.gaussian(cs, 63);
            Twin y = pair.zeros(xs), mean = pair.zeros(cs), invStd = pair.zeros(cs), runningMean = pair.gaussian(cs, 64);
            Twin runningVar = pair.of(cs, HostTensors.gaussian(65, cs.size(), 0.1)), yInference = pair.zeros(xs);
            pair.run(b -> b.fill(pair.on(runningVar, b), 1.5f));
            Twin dy = pair.gaussian(xs, 66), dx = pair.zeros(xs), dgamma = pair.gaussian(cs, 67), dbeta = pair.gaussian(cs, 68);
            pair.run(b -> b.batchNormForwardTraining(pair.on(y, b), pair.on(mean, b), pair.on(invStd, b), pair.on(runningMean, b),
                    pair.on(runningVar, b), pair.on(x, b), pair.on(gamma, b), pair.on(beta, b), spec));
            pair.run(b -> b.batchNormForwardInference(pair.on(yInference, b), pair.on(x, b), pair.on(gamma, b), pair.on(beta, b),
                    pair.on(runningMean, b), pair.on(runningVar, b), spec));
            pair.run(b -> b.batchNormBackward(pair.on(dx, b), pair.on(dgamma, b), pair.on(dbeta, b), pair.on(dy, b), pair.on(x, b),
                    pair.on(gamma, b), pair.on(mean, b), pair.on(invStd, b), spec));
            double atol = sumAtol(m, 3) + 1e-6;
            pair.expectClose("batchNormForwardTraining y", y, atol, 1e-5);
            pair.expectClose("batchNormForwardTraining savedMean", mean, atol, 1e-5);
            pair.expectClose("batchNormForwardTraining savedInvStd", invStd, 0, 1e-5);
            pair.expectClose("batchNormForwardTraining runningMean", runningMean, atol, 1e-5);
            pair.expectClose("batchNormForwardTraining runningVar", runningVar, atol, 1e-5);
            pair.expectClose("batchNormForwardInference y", yInference, 1e-6, 1e-5);
            pair.expectClose("batchNormBackward dx", dx, sumAtol(m, 1) + 1e-6, 1e-5);
            pair.expectClose("batchNormBackward dgamma (+=)", dgamma, sumAtol(m, 1), 1e-5);
            pair.expectClose("batchNormBackward dbeta (+=)", dbeta, sumAtol(m, 1), 1e-5);
        }
    }

    /** Softmax rows of 37 classes (exp and one normalizing sum: rtol 1e-5), the mean loss, and its gradient. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void softmaxCrossEntropyMatchesReference(String backend) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Shape s = Shape.of(3, 37);
            int[] labels = {5, 0, 36};
            Twin logits = pair.of(s, HostTensors.gaussian(71, s.size(), 4)), probs = pair.zeros(s), lossProbs = pair.zeros(s), dlogits = pair.zeros(s);
            pair.run(b -> b.softmaxForward(pair.on(probs, b), pair.on(logits, b)));
            float expected = pair.reference.softmaxCrossEntropyForward(lossProbs.reference(), logits.reference(), labels);
            float actual = pair.candidate.softmaxCrossEntropyForward(lossProbs.candidate(), logits.candidate(), labels);
            pair.run(b -> b.softmaxCrossEntropyBackward(pair.on(dlogits, b), pair.on(lossProbs, b), labels));
            pair.expectClose("softmaxForward probs", probs, 1e-8, 1e-5);
            pair.expectClose("softmaxCrossEntropyForward probs", lossProbs, 1e-8, 1e-5);
            pair.expectClose("softmaxCrossEntropyForward loss", expected, actual, 1e-5 * Math.abs(expected));
            pair.expectClose("softmaxCrossEntropyBackward dlogits", dlogits, 1e-8, 1e-5);
        }
    }

    /** One paper-form SGD step over an odd-sized arena: a handful of float roundings per element. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sgdUpdateMatchesReference(String backend) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Shape s = Shape.of(100_003);
            Twin w = pair.gaussian(s, 81), v = pair.of(s, HostTensors.gaussian(82, s.size(), 0.01)), g = pair.gaussian(s, 83);
            SgdSpec spec = SgdSpec.paper(0.01f);
            pair.run(b -> b.sgdUpdate(pair.on(w, b), pair.on(v, b), pair.on(g, b), spec));
            pair.expectClose("sgdUpdate velocity", v, 1e-8, 1e-5);
            pair.expectClose("sgdUpdate weights", w, 1e-8, 1e-6);
        }
    }

    /** fill and copy between views. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void fillAndCopyMatchReference(String backend) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Twin a = pair.gaussian(Shape.of(3, 37), 91), b = pair.zeros(Shape.of(111));
            pair.run(be -> be.fill(pair.on(a, be).view(5, Shape.of(70)), -2.5f));
            pair.run(be -> be.copy(pair.on(b, be), pair.on(a, be)));
            pair.expectClose("fill then copy", b, 0, 0);
        }
    }

    /** Wrong shapes are rejected with a ShapeException naming the tensor, as the reference does. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void wrongShapesAreRejected(String backend) {
        try (BackendPair pair = BackendPair.open(backend)) {
            Backend b = pair.candidate;
            var x = b.allocate(Shape.of(1, 3, 13, 13));
            var w = b.allocate(Shape.of(8, 3, 3, 3));
            var y = b.allocate(Shape.of(1, 8, 12, 12));
            ShapeException e = assertThrows(ShapeException.class, () -> b.conv2dForward(y, x, w, null, ConvSpec.of(1, 1, 1)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("(1, 8, 12, 12)"), e.getMessage());
            assertThrows(ShapeException.class, () -> b.linearForward(b.allocate(Shape.of(2, 4)), b.allocate(Shape.of(2, 5)), b.allocate(Shape.of(4, 6)), null));
            assertThrows(ShapeException.class, () -> b.maxPoolForward(b.allocate(Shape.of(1, 3, 7, 7)), x, PoolSpec.of(3, 2)));
        }
    }
}
