package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * Local response normalization across channels, in the cuDNN / PyTorch / Caffe convention:
 * y[c] = x[c] / scale[c]^beta, scale[c] = k + (alpha / n) * sum_{j=c-n/2}^{c+n/2} x[j]^2 (zero outside the
 * channels). Note alpha is divided by n; the paper's formula (alpha not divided) is this one with alpha*n.
 */
public record LrnSpec(int size, double alpha, double beta, double k) {
    public LrnSpec {
        if (size < 1 || size > 16 || size % 2 == 0) throw new IllegalArgumentException("LRN size must be odd and in 1..16, got " + size);
        if (k < 1e-5) throw new IllegalArgumentException("LRN k must be >= 1e-5, got " + k);
        if (beta < 0.01) throw new IllegalArgumentException("LRN beta must be >= 0.01, got " + beta);
        if (!(alpha >= 0)) throw new IllegalArgumentException("LRN alpha must be >= 0, got " + alpha);
    }

    /**
     * The contract of lrnForward: x is (N, C, H, W), y and scale have its shape, and y does not overlap x
     * (each output reads its neighbouring channels). Returns x's shape.
     */
    public static Shape checkForward(Tensor y, Tensor scale, Tensor x) {
        Shape s = Operands.shape(x, "lrnForward x").requireRank(4, "lrnForward x (N, C, H, W)");
        Operands.require(y, s, "lrnForward y");
        Operands.require(scale, s, "lrnForward scale");
        Operands.requireApart("lrnForward", y, "y", x, "x", "the window reads neighbouring channels");
        return s;
    }

    /**
     * The contract of lrnBackward: x is (N, C, H, W), dx, dy, y and scale have its shape, and dx overlaps none of
     * them: each gradient reads its neighbouring channels' dy, y and scale, so a backend that reads them while it
     * writes dx (a GPU kernel) would read gradients already written. The host backends happen to give the same
     * answer in place (they compute dy*y/scale for a whole image first); the contract does not rely on it. Returns
     * x's shape.
     */
    public static Shape checkBackward(Tensor dx, Tensor dy, Tensor y, Tensor scale, Tensor x) {
        Shape s = Operands.shape(x, "lrnBackward x").requireRank(4, "lrnBackward x (N, C, H, W)");
        Operands.require(dx, s, "lrnBackward dx");
        Operands.require(dy, s, "lrnBackward dy");
        Operands.require(y, s, "lrnBackward y");
        Operands.require(scale, s, "lrnBackward scale");
        String why = "each gradient reads its neighbouring channels";
        Operands.requireApart("lrnBackward", dx, "dx", dy, "dy", why);
        Operands.requireApart("lrnBackward", dx, "dx", y, "y", why);
        Operands.requireApart("lrnBackward", dx, "dx", scale, "scale", why);
        Operands.requireApart("lrnBackward", dx, "dx", x, "x", why);
        return s;
    }
}
