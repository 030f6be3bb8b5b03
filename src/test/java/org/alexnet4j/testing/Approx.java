package org.alexnet4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise comparison |actual - expected| <= atol + rtol * |expected|; a failure reports the number
 * of bad elements, the worst one (index, both values) and the first few mismatches.
 */
public final class Approx {
    private Approx() {}

    public static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        double[] e = new double[expected.length];
        double[] a = new double[actual.length];
        for (int i = 0; i < e.length; i++) e[i] = expected[i];
        for (int i = 0; i < a.length; i++) a[i] = actual[i];
        assertClose(what, e, a, atol, rtol);
    }

    public static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + ", expected " + expected.length);
        int bad = 0, worst = -1;
        double worstExcess = 0, maxAbs = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= maxAbs) || Double.isNaN(err)) maxAbs = Double.isNaN(err) ? Double.NaN : Math.max(maxAbs, err);
            double allowed = atol + rtol * Math.abs(expected[i]);
            if (!(err <= allowed)) {
                bad++;
                double excess = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err - allowed;
                if (worst < 0 || excess > worstExcess) { worst = i; worstExcess = excess; }
                if (bad <= 5) first.append(String.format(" [%d] expected %.8g got %.8g;", i, expected[i], actual[i]));
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements differ beyond atol=%g rtol=%g; max abs error %.3g; worst at [%d]: expected %.8g got %.8g; first:%s",
                    what, bad, expected.length, atol, rtol, maxAbs, worst, expected[worst], actual[worst], first));
        }
    }
}
