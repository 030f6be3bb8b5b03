package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
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
        if (p < 1 || q < 1) throw new org.alexnet4j.tensor.ShapeException("max pool window " + windowH + "x" + windowW + " does not fit input " + x);
        return Shape.of(x.dim(0), x.dim(1), p, q);
    }

    public void check(Tensor y, Tensor x) { y.shape().require(outputShape(x.shape()), "max pool output y"); }
}
