package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * Max pooling over windowH x windowW with stride and zero-free padding (padded cells never win).
 * Overlapping when stride < window (AlexNet: 3x3, stride 2). Output size floors, as cuDNN and PyTorch.
 */
public record PoolSpec(int windowH, int windowW, int strideH, int strideW, int padH, int padW) {
    public PoolSpec {
        if (windowH < 1 || windowW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("invalid pooling " + windowH + "x" + windowW + " stride " + strideH + "x" + strideW + " pad " + padH + "x" + padW);
        }
        if (padH * 2 > windowH || padW * 2 > windowW) {
            throw new IllegalArgumentException("pooling padding must be at most half the window, got pad " + padH + "x" + padW + " for window " + windowH + "x" + windowW);
        }
    }

    public static PoolSpec of(int window, int stride) { return new PoolSpec(window, window, stride, stride, 0, 0); }

    public Shape outputShape(Shape x) {
        x.requireRank(4, "max pool input x (N, C, H, W)");
        int p = ConvSpec.outputSize(x.dim(2), windowH, strideH, padH), q = ConvSpec.outputSize(x.dim(3), windowW, strideW, padW);
        if (p < 1 || q < 1) throw new ShapeException("max pool window " + windowH + "x" + windowW + " does not fit input " + x);
        return Shape.of(x.dim(0), x.dim(1), p, q);
    }

    /** The contract of maxPoolForward: y (N, C, P, Q) is the pooled shape of x (N, C, H, W). */
    public void checkForward(Tensor y, Tensor x) {
        Shape input = Operands.shape(x, "maxPoolForward x");
        Operands.require(y, Operands.named("maxPoolForward", () -> outputShape(input)), "maxPoolForward y");
    }

    /** The contract of maxPoolBackward: dy and y are the pooled shape of x, dx is x's shape. */
    public void checkBackward(Tensor dx, Tensor dy, Tensor y, Tensor x) {
        Shape input = Operands.shape(x, "maxPoolBackward x"), pooled = Operands.named("maxPoolBackward", () -> outputShape(input));
        Operands.require(dy, pooled, "maxPoolBackward dy");
        Operands.require(y, pooled, "maxPoolBackward y");
        Operands.require(dx, input, "maxPoolBackward dx");
    }
}
