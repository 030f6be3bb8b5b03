package org.alexnet4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import org.alexnet4j.tensor.Shape;

/**
 * Element-wise comparison |actual - expected| <= atol + rtol * |expected|, where NaN matches only NaN and an
 * infinity only the same infinity; a failure reports the number of bad elements, the worst one (index, both
 * values, what was allowed there) and the first few mismatches.
 */
public final class Approx {
    private Approx() {}

    public static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertClose(what, toDoubles(expected), toDoubles(actual), atol, rtol);
    }

    public static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        String mismatch = mismatch(what, null, expected, actual, atol, rtol);
        if (mismatch != null) fail(mismatch);
    }

    /**
     * Null when every element is close, else the failure message: {@code what}, the shape (when given) and
     * each reported index also as a multi-index of it, the tolerance, the worst element and the first mismatches.
     */
    public static String mismatch(String what, Shape shape, double[] expected, double[] actual, double atol, double rtol) {
        double[] atols = new double[expected.length];
        java.util.Arrays.fill(atols, atol);
        return mismatch(what, shape, expected, actual, atols, rtol, String.format("atol=%.3g", atol));
    }

    /** As above with an absolute tolerance per element ({@code atol[i]}, e.g. a derived rounding bound). */
    public static String mismatch(String what, Shape shape, double[] expected, double[] actual, double[] atol, double rtol) {
        return mismatch(what, shape, expected, actual, atol, rtol, "atol per element");
    }

    private static String mismatch(String what, Shape shape, double[] expected, double[] actual, double[] atol, double rtol, String atolText) {
        String name = shape == null ? what : what + " " + shape;
        if (expected.length != actual.length || atol.length != expected.length) return name + ": length " + actual.length + ", expected " + expected.length;
        int bad = 0, worst = -1;
        double worstExcess = 0, maxAbs = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (Double.compare(e, a) == 0 || Double.isNaN(e) && Double.isNaN(a)) continue; // also NaN = NaN, inf = inf
            double err = Math.abs(a - e);
            maxAbs = Double.isNaN(err) || Double.isNaN(maxAbs) ? Double.NaN : Math.max(maxAbs, err);
            double allowed = atol[i] + rtol * Math.abs(e);
            if (!(err <= allowed)) {
                bad++;
                double excess = Double.isNaN(err) || Double.isInfinite(err) ? Double.POSITIVE_INFINITY : err - allowed;
                if (worst < 0 || excess > worstExcess) { worst = i; worstExcess = excess; }
                if (bad <= 5) first.append(String.format(" [%s] expected %.8g got %.8g;", index(shape, i), e, a));
            }
        }
        if (bad == 0) return null;
        return String.format("%s: %d of %d elements differ beyond %s + rtol=%.3g*|expected|; max abs error %.3g; "
                        + "worst at [%s]: expected %.8g got %.8g (allowed %.3g); first:%s",
                name, bad, expected.length, atolText, rtol, maxAbs, index(shape, worst), expected[worst], actual[worst],
                atol[worst] + rtol * Math.abs(expected[worst]), first);
    }

    /** "517" or, with a shape, "517 = (0, 3, 5, 7)". */
    private static String index(Shape shape, int flat) {
        if (shape == null || shape.rank() < 2) return Integer.toString(flat);
        int[] dims = shape.dims();
        long[] at = new long[dims.length];
        long rest = flat;
        for (int d = dims.length - 1; d >= 0; d--) {
            at[d] = rest % dims[d];
            rest /= dims[d];
        }
        StringBuilder s = new StringBuilder(flat + " = (");
        for (int d = 0; d < at.length; d++) s.append(d == 0 ? "" : ", ").append(at[d]);
        return s.append(')').toString();
    }

    public static double[] toDoubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) d[i] = values[i];
        return d;
    }
}
