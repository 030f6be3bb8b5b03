package org.alexnet4j.backend;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.alexnet4j.backend.BackendEquivalenceTest.ConvCase;
import org.alexnet4j.backend.BackendOptions.Precision;
import org.alexnet4j.backend.BackendPair.Twin;
import org.alexnet4j.backend.cuda.HalfScaling;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.alexnet4j.testing.HostTensors;
import org.alexnet4j.testing.Rounding;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Convolutions and matrix products of every backend in every reduced precision it offers (TF32, BF16, FP16)
 * against the float32 reference, within a bound derived from the formats, element by element.
 *
 * <p>The bound. An output is a sum of L products x_i w_i. In a reduced precision each operand is stored with a
 * relative error of at most u (BF16: 8 significant bits, round to nearest, u = 2^-8; FP16: 11 bits, u = 2^-11;
 * TF32: 11 bits, possibly truncated, u = 2^-10) plus, for FP16, an absolute error eta = 2^-25 / scale where
 * values flush to subnormals (each operand is scaled by a power of two, see {@link HalfScaling}). So
 * |x~ w~ - x w| <= (2u + u^2)|x||w| + (1 + u)(eta_x |w| + eta_w |x|) + eta_x eta_w. The products are summed in
 * float32 in any order: at most gamma_L = L u32 / (1 - L u32) times the sum of their magnitudes (u32 = 2^-24).
 * Where the precision stores the result of a convolution in its own format (BF16, FP16) that adds u |y| and
 * the output's eta; a bias or an accumulated gradient adds a float32 rounding (u32 |y|) or two. With
 * M = sum |x||w| per output (the reference's convolution of |x| and |w|), the allowed error is
 * (2u + u^2 + gamma_L (1 + u)^2) M + the eta terms + (u_out + 3 u32)(|y| + that). A worst case, not a guess: a
 * wrong layout, scale or transpose moves outputs by about |y|, far beyond it.
 * {@link #theBoundHoldsForAHostEmulationOfEachPrecision} checks on the host that an emulation of each format
 * stays within the bound, using a sizeable share of it.
 */
class PrecisionEquivalenceTest {
    static final double U32 = 0x1p-24;
    static final List<Precision> REDUCED = List.of(Precision.TF32, Precision.BF16, Precision.FP16);

    /** Unit roundoff of an operand in {@code precision}. */
    static double operandRoundoff(Precision precision) {
        return switch (precision) {
            case FP32 -> U32;
            case TF32 -> 0x1p-10;
            case BF16 -> 0x1p-8;
            case FP16 -> 0x1p-11;
        };
    }

    /** Unit roundoff of a convolution's result stored in the precision's own format (float32 results: 0). */
    static double outputRoundoff(Precision precision, boolean convolution) {
        return convolution && (precision == Precision.BF16 || precision == Precision.FP16) ? operandRoundoff(precision) : 0;
    }

    static Stream<Arguments> convolutionCases() {
        List<ConvCase> cases = List.of(BackendEquivalenceTest.CONV_CASES.get(1), BackendEquivalenceTest.CONV_CASES.get(3),
                BackendEquivalenceTest.CONV_CASES.get(5), BackendEquivalenceTest.CONV_CASES.get(6));
        return reducedPrecisions().flatMap(a -> cases.stream().map(c -> Arguments.of(a.get()[0], a.get()[1], c)));
    }

    static Stream<Arguments> linearCases() {
        int[][] sizes = {{3, 130, 70}, {17, 33, 129}, {130, 4200, 140}};
        return reducedPrecisions().flatMap(a -> Stream.of(sizes).map(s -> Arguments.of(a.get()[0], a.get()[1], s[0], s[1], s[2])));
    }

    /** (backend, precision) for every candidate backend and every reduced precision its provider offers. */
    static Stream<Arguments> reducedPrecisions() {
        return candidateProviders().flatMap(p -> REDUCED.stream().filter(p.precisions()::contains).map(precision -> Arguments.of(p.name(), precision)));
    }

    private static Stream<BackendProvider> candidateProviders() {
        List<String> names = BackendPair.candidates().toList();
        return Backends.providers().stream().filter(p -> names.contains(p.name()));
    }

    @ParameterizedTest(name = "{0} {1} {2}", allowZeroInvocations = true)
    @MethodSource("convolutionCases")
    void convolutionsStayWithinTheRoundingBound(String backend, Precision precision, ConvCase cc) {
        try (BackendPair pair = BackendPair.open(backend, BackendOptions.defaults().withPrecision(precision))) {
            float[] x = HostTensors.gaussian(1, cc.x().size(), 1), w = HostTensors.gaussian(2, cc.filter().size(), 1);
            float[] dy = HostTensors.gaussian(4, cc.y().size(), 1), dw0 = HostTensors.gaussian(6, cc.filter().size(), 1);
            Twin tx = pair.of(cc.x(), x), tw = pair.of(cc.filter(), w), bias = pair.gaussian(Shape.of(cc.k()), 3), tdy = pair.of(cc.y(), dy);
            Twin y = pair.zeros(cc.y()), dx = pair.zeros(cc.x()), dw = pair.of(cc.filter(), dw0);
            pair.run(b -> b.conv2dForward(pair.on(y, b), pair.on(tx, b), pair.on(tw, b), pair.on(bias, b), cc.spec()));
            pair.run(b -> b.conv2dBackwardData(pair.on(dx, b), pair.on(tdy, b), pair.on(tw, b), cc.spec()));
            pair.run(b -> b.conv2dBackwardFilter(pair.on(dw, b), pair.on(tdy, b), pair.on(tx, b), cc.spec()));
            Backend r = pair.reference;
            float[] ax = abs(x), aw = abs(w), ady = abs(dy);
            double[] forwardM = Approx.toDoubles(output(r, cc.y(), t -> r.conv2dForward(t, upload(r, cc.x(), ax), upload(r, cc.filter(), aw), null, cc.spec())));
            double[] dataM = Approx.toDoubles(output(r, cc.x(), t -> r.conv2dBackwardData(t, upload(r, cc.y(), ady), upload(r, cc.filter(), aw), cc.spec())));
            double[] filterM = Approx.toDoubles(output(r, cc.filter(), t -> r.conv2dBackwardFilter(t, upload(r, cc.y(), ady), upload(r, cc.x(), ax), cc.spec())));
            int cg = cc.c() / cc.spec().groups(), kg = cc.k() / cc.spec().groups();
            long forwardTerms = (long) cg * cc.r() * cc.s(), dataTerms = (long) kg * cc.r() * cc.s(), filterTerms = (long) cc.n() * cc.y().dim(2) * cc.y().dim(3);
            pair.expectWithin("conv2dForward y", y, bound(precision, true, forwardTerms, forwardM, max(x), max(w), reference(pair, y)));
            pair.expectWithin("conv2dBackwardData dx", dx, bound(precision, true, dataTerms, dataM, max(dy), max(w), reference(pair, dx)));
            pair.expectWithin("conv2dBackwardFilter dw (+=)", dw, bound(precision, true, filterTerms, filterM, max(x), max(dy), reference(pair, dw)));
        }
    }

    @ParameterizedTest(name = "{0} {1} N={2} in={3} out={4}", allowZeroInvocations = true)
    @MethodSource("linearCases")
    void matrixProductsStayWithinTheRoundingBound(String backend, Precision precision, int n, int in, int out) {
        try (BackendPair pair = BackendPair.open(backend, BackendOptions.defaults().withPrecision(precision))) {
            float[] x = HostTensors.gaussian(11, (long) n * in, 1), w = HostTensors.gaussian(12, (long) out * in, 1), dy = HostTensors.gaussian(14, (long) n * out, 1);
            Twin tx = pair.of(Shape.of(n, in), x), tw = pair.of(Shape.of(out, in), w), bias = pair.gaussian(Shape.of(out), 13), tdy = pair.of(Shape.of(n, out), dy);
            Twin y = pair.zeros(Shape.of(n, out)), dx = pair.zeros(Shape.of(n, in)), dw = pair.gaussian(Shape.of(out, in), 16);
            pair.run(b -> b.linearForward(pair.on(y, b), pair.on(tx, b), pair.on(tw, b), pair.on(bias, b)));
            pair.run(b -> b.linearBackwardData(pair.on(dx, b), pair.on(tdy, b), pair.on(tw, b)));
            pair.run(b -> b.linearBackwardWeight(pair.on(dw, b), pair.on(tdy, b), pair.on(tx, b)));
            Backend r = pair.reference;
            float[] ax = abs(x), aw = abs(w), ady = abs(dy);
            double[] forwardM = Approx.toDoubles(output(r, Shape.of(n, out), t -> r.linearForward(t, upload(r, Shape.of(n, in), ax), upload(r, Shape.of(out, in), aw), null)));
            double[] dataM = Approx.toDoubles(output(r, Shape.of(n, in), t -> r.linearBackwardData(t, upload(r, Shape.of(n, out), ady), upload(r, Shape.of(out, in), aw))));
            double[] weightM = Approx.toDoubles(output(r, Shape.of(out, in), t -> r.linearBackwardWeight(t, upload(r, Shape.of(n, out), ady), upload(r, Shape.of(n, in), ax))));
            pair.expectWithin("linearForward y", y, bound(precision, false, in, forwardM, max(x), max(w), reference(pair, y)));
            pair.expectWithin("linearBackwardData dx", dx, bound(precision, false, out, dataM, max(dy), max(w), reference(pair, dx)));
            pair.expectWithin("linearBackwardWeight dw (+=)", dw, bound(precision, false, n, weightM, max(x), max(dy), reference(pair, dw)));
        }
    }

    /**
     * The bound against an emulation on the host: operands rounded to the format (FP16 scaled first, as the
     * kernels do), products summed in float64, the result rounded to the format where the precision stores
     * convolution results in it. The emulation must stay within the bound and use at least 2% of it somewhere
     * (the bound is a worst case over L terms; a bound a thousand times too loose would pass anything).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Precision.class, names = {"TF32", "BF16", "FP16"})
    void theBoundHoldsForAHostEmulationOfEachPrecision(Precision precision) {
        ConvCase cc = BackendEquivalenceTest.CONV_CASES.get(5);
        try (Backend r = Backends.create("reference")) {
            float[] x = HostTensors.gaussian(1, cc.x().size(), 1), w = HostTensors.gaussian(2, cc.filter().size(), 1);
            long terms = (long) cc.c() / cc.spec().groups() * cc.r() * cc.s();
            float target = HalfScaling.target(terms);
            float sx = precision == Precision.FP16 ? scale(max(x), target) : 1, sw = precision == Precision.FP16 ? scale(max(w), target) : 1;
            float[] xr = Rounding.round(scaled(x, sx), precision), wr = Rounding.round(scaled(w, sw), precision);
            float[] exact = output(r, cc.y(), t -> r.conv2dForward(t, upload(r, cc.x(), x), upload(r, cc.filter(), w), null, cc.spec()));
            float[] emulated = output(r, cc.y(), t -> r.conv2dForward(t, upload(r, cc.x(), xr), upload(r, cc.filter(), wr), null, cc.spec()));
            if (outputRoundoff(precision, true) > 0) emulated = Rounding.round(emulated, precision);
            emulated = scaled(emulated, 1 / (sx * sw));
            double[] magnitude = Approx.toDoubles(output(r, cc.y(), t -> r.conv2dForward(t, upload(r, cc.x(), abs(x)), upload(r, cc.filter(), abs(w)), null, cc.spec())));
            double[] allowed = bound(precision, true, terms, magnitude, max(x), max(w), Approx.toDoubles(exact));
            assertNull(Approx.mismatch(precision + " emulated convolution", cc.y(), Approx.toDoubles(exact), Approx.toDoubles(emulated), allowed, 0));
            double used = 0;
            for (int i = 0; i < exact.length; i++) used = Math.max(used, Math.abs(emulated[i] - exact[i]) / allowed[i]);
            assertTrue(used >= 0.02, precision + ": the emulation's largest error is only " + used + " of the bound");
        }
    }

    /** The allowed error per element (see the class comment); amaxA, amaxB: the operands' largest magnitudes. */
    static double[] bound(Precision precision, boolean convolution, long terms, double[] magnitude, double amaxA, double amaxB, double[] reference) {
        double u = operandRoundoff(precision), uOut = outputRoundoff(precision, convolution), gamma = terms * U32 / (1 - terms * U32);
        double etaA = 0, etaB = 0, etaOut = 0;
        if (precision == Precision.FP16) {
            float target = HalfScaling.target(terms);
            double sa = scale((float) amaxA, target), sb = scale((float) amaxB, target);
            etaA = 0x1p-25 / sa;
            etaB = 0x1p-25 / sb;
            etaOut = convolution ? 0x1p-25 / (sa * sb) : 0;
        }
        double[] allowed = new double[magnitude.length];
        for (int i = 0; i < allowed.length; i++) {
            double m = magnitude[i] * (1 + 0x1p-20); // the reference's float32 rounding of M
            double products = (2 * u + u * u + gamma * (1 + u) * (1 + u)) * m + terms * ((1 + u) * (etaA * amaxB + etaB * amaxA) + etaA * etaB);
            allowed[i] = products + (uOut + 3 * U32) * (Math.abs(reference[i]) + products) + etaOut;
        }
        return allowed;
    }

    /** The power of two that brings amax into (target/2, target], as the kernels' operand_scale (checked against it by NativeKernelsTest). */
    static float scale(float amax, float target) {
        if (amax == 0) return 1;
        int exponent = Math.getExponent(amax) + (amax == Math.scalb(1f, Math.getExponent(amax)) ? 0 : 1); // ceil(log2 amax)
        return (float) Math.min(0x1p64, Math.scalb((double) target, -exponent));
    }

    private static double[] reference(BackendPair pair, Twin t) { return Approx.toDoubles(download(pair.reference, t.reference())); }

    private interface Into { void accept(Tensor t); }

    private static float[] output(Backend b, Shape shape, Into op) {
        try (Tensor t = b.allocate(shape)) {
            op.accept(t);
            return download(b, t);
        }
    }

    private static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < a.length; i++) a[i] = Math.abs(v[i]);
        return a;
    }

    private static float max(float[] v) {
        float m = 0;
        for (float f : v) m = Math.max(m, Math.abs(f));
        return m;
    }

    private static float[] scaled(float[] v, float s) {
        float[] r = Arrays.copyOf(v, v.length);
        for (int i = 0; i < r.length; i++) r[i] *= s;
        return r;
    }
}
