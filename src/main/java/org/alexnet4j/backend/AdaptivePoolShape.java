package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * The sizes of one adaptive-average-pooling op, checked the same way for every backend: the pooled operand
 * y or dy (N, C, P, Q) against the full operand x or dx (N, C, H, W). planes = N * C.
 */
public record AdaptivePoolShape(int planes, int h, int w, int p, int q) {

    /** Checks the two operands; the roles (e.g. "adaptiveAvgPoolForward y") name them in the message. */
    public static AdaptivePoolShape check(String pooledRole, Tensor pooled, String fullRole, Tensor full) {
        Shape f = Operands.shape(full, fullRole).requireRank(4, fullRole + " (N, C, H, W)");
        Shape p = Operands.shape(pooled, pooledRole).requireRank(4, pooledRole + " (N, C, P, Q)");
        p.require(Shape.of(f.dim(0), f.dim(1), p.dim(2), p.dim(3)), pooledRole + " (same N and C as " + fullRole + " " + f + ")");
        return new AdaptivePoolShape(Math.multiplyExact(f.dim(0), f.dim(1)), f.dim(2), f.dim(3), p.dim(2), p.dim(3));
    }
}
