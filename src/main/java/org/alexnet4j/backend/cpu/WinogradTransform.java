package org.alexnet4j.backend.cpu;

import java.math.BigInteger;

/**
 * The matrices of Winograd's minimal filtering F(m, r) (Lavin and Gray 2016): m outputs of an r-tap
 * correlation y_i = sum_k d_{i+k} g_k from alpha = m + r - 1 inputs with alpha multiplications,
 * y = A^T [(G g) ⊙ (B^T d)]; in two dimensions Y = A^T [(G g G^T) ⊙ (B^T d B)] A over alpha x alpha tiles.
 *
 * <p>Built here from interpolation points rather than written out (Toom-Cook): a correlation is the transpose
 * of the linear convolution s = g * h of polynomials, which is evaluated at alpha - 1 finite points p_j and at
 * infinity (the leading coefficient) and interpolated back. With f_j = prod_{l != j} (p_j - p_l):
 * A^T[i][j] = p_j^i, G[j][k] = p_j^k / f_j, B^T[j] = the coefficients of prod_{l != j} (x - p_l), and the
 * infinity column, row and row: A^T[m-1][alpha-1] = 1, G[alpha-1][r-1] = 1, B^T[alpha-1] = the coefficients
 * of prod_l (x - p_l). The points are taken in the order 0, 1, -1, 2, -2, 1/2, -1/2, 4, -4, 1/4, -1/4: the
 * smallest magnitudes and their reciprocals, which keep the entries (and the rounding error they scale) small.
 * Every entry is computed exactly as a fraction and rounded once to a double.
 */
record WinogradTransform(int m, int r, double[][] at, double[][] g, double[][] bt) {
    private static final long[][] POINTS = {{0, 1}, {1, 1}, {-1, 1}, {2, 1}, {-2, 1}, {1, 2}, {-1, 2}, {4, 1}, {-4, 1}, {1, 4}, {-1, 4}};

    /** alpha = m + r - 1, the tile side. */
    int alpha() { return m + r - 1; }

    /** F(m, r) for 2 <= m, 2 <= r, alpha <= 12. */
    static WinogradTransform of(int m, int r) {
        int alpha = m + r - 1;
        if (m < 2 || r < 2 || alpha - 1 > POINTS.length) throw new IllegalArgumentException("no Winograd transform F(" + m + ", " + r + ")");
        Fraction[] p = new Fraction[alpha - 1];
        for (int j = 0; j < p.length; j++) p[j] = new Fraction(BigInteger.valueOf(POINTS[j][0]), BigInteger.valueOf(POINTS[j][1]));
        double[][] at = new double[m][alpha], g = new double[alpha][r], bt = new double[alpha][alpha];
        Fraction[] all = {Fraction.ONE};
        for (Fraction q : p) all = times(all, q);
        for (int j = 0; j < p.length; j++) {
            Fraction f = Fraction.ONE;
            Fraction[] others = {Fraction.ONE};
            for (int l = 0; l < p.length; l++) {
                if (l == j) continue;
                f = f.times(p[j].minus(p[l]));
                others = times(others, p[l]);
            }
            Fraction power = Fraction.ONE;
            for (int i = 0; i < Math.max(m, r); i++, power = power.times(p[j])) {
                if (i < m) at[i][j] = power.value();
                if (i < r) g[j][i] = power.over(f).value();
            }
            for (int c = 0; c < others.length; c++) bt[j][c] = others[c].value();
        }
        at[m - 1][alpha - 1] = 1;
        g[alpha - 1][r - 1] = 1;
        for (int c = 0; c < all.length; c++) bt[alpha - 1][c] = all[c].value();
        return new WinogradTransform(m, r, at, g, bt);
    }

    /** The coefficients of polynomial (ascending powers) times (x - q). */
    private static Fraction[] times(Fraction[] poly, Fraction q) {
        Fraction[] out = new Fraction[poly.length + 1];
        java.util.Arrays.fill(out, Fraction.ZERO);
        for (int i = 0; i < poly.length; i++) {
            out[i + 1] = out[i + 1].plus(poly[i]);
            out[i] = out[i].minus(poly[i].times(q));
        }
        return out;
    }

    /** An exact rational number, kept in lowest terms with a positive denominator. */
    private record Fraction(BigInteger num, BigInteger den) {
        static final Fraction ZERO = new Fraction(BigInteger.ZERO, BigInteger.ONE), ONE = new Fraction(BigInteger.ONE, BigInteger.ONE);

        Fraction {
            if (den.signum() < 0) {
                num = num.negate();
                den = den.negate();
            }
            BigInteger d = num.gcd(den);
            if (d.signum() != 0 && !d.equals(BigInteger.ONE)) {
                num = num.divide(d);
                den = den.divide(d);
            }
        }

        Fraction plus(Fraction o) { return new Fraction(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den)); }
        Fraction minus(Fraction o) { return plus(new Fraction(o.num.negate(), o.den)); }
        Fraction times(Fraction o) { return new Fraction(num.multiply(o.num), den.multiply(o.den)); }
        Fraction over(Fraction o) { return new Fraction(num.multiply(o.den), den.multiply(o.num)); }
        double value() { return new java.math.BigDecimal(num).divide(new java.math.BigDecimal(den), java.math.MathContext.DECIMAL128).doubleValue(); }
    }
}
