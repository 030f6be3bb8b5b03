package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * The sizes of one adaptive-average-pooling op, checked the same way for every backend: the pooled operand
 * y or dy (N, C, P, Q) against the full operand x or dx (N, C, H, W). planes = N * C.
 */
public record AdaptivePoolShape(int planes, int h, int w, int p, int q) {

    /** Checks the two operands of {@code op}; names them in the message when they do not fit. */
    public static AdaptivePoolShape check(String op, Tensor pooled, Tensor full) {
        Shape f = full.shape().requireRank(4, op + " full-size operand (N, C, H, W)");
        Shape p = pooled.shape().requireRank(4, op + " pooled operand (N, C, P, Q)");
        if (p.dim(0) != f.dim(0) || p.dim(1) != f.dim(1)) {
            throw new ShapeException(op + " pooled operand: expected (" + f.dim(0) + ", " + f.dim(1) + ", P, Q) for an input " + f + ", got " + p);
        }
        return new AdaptivePoolShape(Math.multiplyExact(f.dim(0), f.dim(1)), f.dim(2), f.dim(3), p.dim(2), p.dim(3));
    }
}
