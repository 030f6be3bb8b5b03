package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * A 2-D convolution (cross-correlation, as cuDNN and PyTorch): stride, zero padding and groups.
 * Shapes: x (N, C, H, W), w (K, C/groups, R, S), bias (K), y (N, K, P, Q) with
 * P = floor((H + 2*padH - R) / strideH) + 1 and Q likewise.
 */
public record ConvSpec(int strideH, int strideW, int padH, int padW, int groups) {
    public ConvSpec {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("conv stride must be >= 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("conv padding must be >= 0, got " + padH + "x" + padW);
        if (groups < 1) throw new IllegalArgumentException("conv groups must be >= 1, got " + groups);
    }

    public static ConvSpec of(int stride, int padding, int groups) { return new ConvSpec(stride, stride, padding, padding, groups); }

    /** The output shape for input {@code x} and filter {@code w}; throws naming both when they do not fit. */
    public Shape outputShape(Shape x, Shape w) {
        x.requireRank(4, "conv input x (N, C, H, W)");
        w.requireRank(4, "conv weight w (K, C/groups, R, S)");
        int c = x.dim(1), k = w.dim(0);
        if (c % groups != 0 || k % groups != 0) {
            throw new ShapeException("conv with groups=" + groups + ": input channels " + c + " and output channels " + k + " must both divide by the groups");
        }
        if (w.dim(1) != c / groups) {
            throw new ShapeException("conv weight " + w + ": expected " + (c / groups) + " input channels per group for input " + x + " with groups=" + groups);
        }
        int p = outputSize(x.dim(2), w.dim(2), strideH, padH), q = outputSize(x.dim(3), w.dim(3), strideW, padW);
        if (p < 1 || q < 1) throw new ShapeException("conv: filter " + w + " does not fit input " + x + " with padding " + padH + "x" + padW);
        return Shape.of(x.dim(0), k, p, q);
    }

    /**
     * The contract of conv2dForward and conv2dReluForward ({@code op}): y (N, K, P, Q) is the output shape of
     * x and w, bias is (K) or null.
     */
    public void checkForward(String op, Tensor y, Tensor x, Tensor w, Tensor bias) {
        Shape xs = Operands.shape(x, op + " x"), ws = Operands.shape(w, op + " w");
        Shape output = Operands.named(op, () -> outputShape(xs, ws));
        Operands.require(y, output, op + " y");
        if (bias != null) bias.shape().require(Shape.of(output.dim(1)), op + " bias");
    }

    /** The contract of conv2dBackwardData: dy is the output shape of dx and w. */
    public void checkBackwardData(Tensor dx, Tensor dy, Tensor w) {
        String op = "conv2dBackwardData";
        Shape dxs = Operands.shape(dx, op + " dx"), ws = Operands.shape(w, op + " w");
        Operands.require(dy, Operands.named(op, () -> outputShape(dxs, ws)), op + " dy");
    }

    /** The contract of conv2dBackwardFilter: dy is the output shape of x and dw. */
    public void checkBackwardFilter(Tensor dw, Tensor dy, Tensor x) {
        String op = "conv2dBackwardFilter";
        Shape xs = Operands.shape(x, op + " x"), dws = Operands.shape(dw, op + " dw");
        Operands.require(dy, Operands.named(op, () -> outputShape(xs, dws)), op + " dy");
    }

    /** floor((in + 2*pad - window) / stride) + 1, the output length of a sliding window. */
    public static int outputSize(int in, int window, int stride, int pad) {
        int span = in + 2 * pad - window;
        return span < 0 ? 0 : span / stride + 1;
    }
}
