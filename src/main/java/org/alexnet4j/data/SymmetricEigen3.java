package org.alexnet4j.data;

import java.util.Arrays;
/**
 * Eigen-decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations: A = V diag(values) V^T with
 * values in descending order and eigenvector k in column k of V (unit length; its sign is arbitrary).
 */
public record SymmetricEigen3(double[] values, double[][] vectors) {
    private static final int MAX_SWEEPS = 50;

    public static SymmetricEigen3 of(double[][] matrix) {
        double[][] a = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (Math.abs(matrix[i][j] - matrix[j][i]) > 1e-12 * (Math.abs(matrix[i][j]) + Math.abs(matrix[j][i]) + 1e-300)) {
                    throw new IllegalArgumentException("matrix is not symmetric at (" + i + ", " + j + "): " + matrix[i][j] + " vs " + matrix[j][i]);
                }
                a[i][j] = matrix[i][j];
            }
        }
        double[][] v = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
            double diagonal = a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2];
            if (off <= 1e-30 * diagonal || off == 0) break;
            for (int p = 0; p < 2; p++) {
                for (int q = p + 1; q < 3; q++) rotate(a, v, p, q);
            }
        }
        Integer[] order = {0, 1, 2};
        Arrays.sort(order, (i, j) -> Double.compare(a[j][j], a[i][i]));
        double[] values = new double[3];
        double[][] vectors = new double[3][3];
        for (int k = 0; k < 3; k++) {
            values[k] = a[order[k]][order[k]];
            for (int r = 0; r < 3; r++) vectors[r][k] = v[r][order[k]];
        }
        return new SymmetricEigen3(values, vectors);
    }

    /** Zeroes a[p][q] by the rotation A <- J^T A J and accumulates V <- V J. */
    private static void rotate(double[][] a, double[][] v, int p, int q) {
        if (a[p][q] == 0) return;
        double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        double c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 3; k++) {
            double akp = a[k][p], akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; k++) {
            double apk = a[p][k], aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; k++) {
            double vkp = v[k][p], vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
        }
    }
}
