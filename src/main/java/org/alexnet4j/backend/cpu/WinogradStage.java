package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * One side of a Winograd transform (a rows x cols matrix of {@link WinogradTransform}, both at most 8) applied
 * to many tiles at once: each "cell" is a vector of LANES floats in a heap array, one lane per tile, so every
 * tile is computed with the same operations in the same order (its result does not depend on its lane).
 * A one-dimensional transform keeps four output sums in registers at a time and sweeps the inputs, every
 * coefficient of those rows dense (zeros included: the sums are independent FMA chains, where walking only the
 * non-zero entries row by row made every chain wait on the last one, twice as slow). A last one or two rows (B^T of
 * F(4, 3) has six, A^T of F(5, 3) five) take two sums, not four: the same chains, so the same bits, about 0.1 ms
 * less per batch-1 forward (bench/RESULTS.md). Loaded only when {@link CpuConfig#VECTOR}.
 */
final class WinogradStage {
    /** The largest side: output sums held in registers. */
    static final int MAX_SIDE = 8;

    private final int rows, columns;
    /** coefficients[i * MAX_SIDE + j] = M[i][j], rounded to float once; rows past {@code rows} are zero. */
    private final float[] coefficients = new float[MAX_SIDE * MAX_SIDE];

    WinogradStage(double[][] matrix) {
        rows = matrix.length;
        columns = matrix[0].length;
        if (rows > MAX_SIDE || columns > MAX_SIDE) throw new IllegalArgumentException("a Winograd stage is at most 8 x 8, got " + rows + " x " + columns);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) coefficients[i * MAX_SIDE + j] = (float) matrix[i][j];
        }
    }

    /**
     * out cell (outOff + i*outStep) = sum_j M[i][j] * in cell (inOff + j*inStep) for every row i, offsets in
     * floats; each sum is M[i][0] x_0 + M[i][1] x_1 + ..., accumulated by FMA from zero in column order.
     */
    void apply(float[] in, int inOff, int inStep, float[] out, int outOff, int outStep) {
        int first = 0;
        for (; rows - first >= 3; first += 4) applyFour(first, in, inOff, inStep, out, outOff, outStep);
        if (first < rows) applyTwo(first, in, inOff, inStep, out, outOff, outStep);
    }

    /** {@link #apply} for rows first and first + 1 (those below {@code rows}) alone: two FMA chains. */
    private void applyTwo(int first, float[] in, int inOff, int inStep, float[] out, int outOff, int outStep) {
        float[] c = coefficients;
        int row = first * MAX_SIDE;
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0;
        for (int j = 0; j < columns; j++) {
            FloatVector x = FloatVector.fromArray(SPECIES, in, inOff + j * inStep);
            s0 = x.fma(FloatVector.broadcast(SPECIES, c[row + j]), s0);
            s1 = x.fma(FloatVector.broadcast(SPECIES, c[row + MAX_SIDE + j]), s1);
        }
        s0.intoArray(out, outOff + first * outStep);
        if (first + 1 < rows) s1.intoArray(out, outOff + (first + 1) * outStep);
    }

    /** {@link #apply} for rows [first, first + 4) (those below {@code rows}): four independent FMA chains over the inputs. */
    private void applyFour(int first, float[] in, int inOff, int inStep, float[] out, int outOff, int outStep) {
        float[] c = coefficients;
        int row = first * MAX_SIDE;
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        for (int j = 0; j < columns; j++) {
            FloatVector x = FloatVector.fromArray(SPECIES, in, inOff + j * inStep);
            s0 = x.fma(FloatVector.broadcast(SPECIES, c[row + j]), s0);
            s1 = x.fma(FloatVector.broadcast(SPECIES, c[row + MAX_SIDE + j]), s1);
            s2 = x.fma(FloatVector.broadcast(SPECIES, c[row + 2 * MAX_SIDE + j]), s2);
            s3 = x.fma(FloatVector.broadcast(SPECIES, c[row + 3 * MAX_SIDE + j]), s3);
        }
        int at = outOff + first * outStep;
        s0.intoArray(out, at);
        if (first + 1 < rows) s1.intoArray(out, at + outStep);
        if (first + 2 < rows) s2.intoArray(out, at + 2 * outStep);
        if (first + 3 < rows) s3.intoArray(out, at + 3 * outStep);
    }

    /**
     * The two-dimensional transform M X M^T of a cols x cols block of cells (row-major at float offset 0 of
     * {@code in}) into rows x rows cells of {@code out}, through {@code work} (rows x cols cells): first every
     * column, then every row.
     */
    void apply2d(float[] in, float[] work, float[] out) {
        int cell = LANES;
        for (int b = 0; b < columns; b++) apply(in, b * cell, columns * cell, work, b * cell, columns * cell);
        for (int a = 0; a < rows; a++) apply(work, a * columns * cell, cell, out, a * rows * cell, cell);
    }
}
