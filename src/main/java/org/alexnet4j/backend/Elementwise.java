package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * The contracts of the element-wise ops (ReLU and dropout, forward and backward): every operand has the
 * input's shape; outputs may be their input (in place); dropout's probability p is in [0, 1).
 */
public final class Elementwise {
    private Elementwise() {}

    /** reluForward: y has x's shape. */
    public static void checkRelu(Tensor y, Tensor x) {
        Operands.require(y, Operands.shape(x, "reluForward x"), "reluForward y");
    }

    /** reluBackward: dy and dx have y's shape. */
    public static void checkReluBackward(Tensor dx, Tensor dy, Tensor y) {
        Shape s = Operands.shape(y, "reluBackward y");
        Operands.require(dy, s, "reluBackward dy");
        Operands.require(dx, s, "reluBackward dx");
    }

    /** dropoutForward: p in [0, 1), y and mask have x's shape. */
    public static void checkDropout(Tensor y, Tensor mask, Tensor x, float p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropoutForward: p must be in [0, 1), got " + p);
        Shape s = Operands.shape(x, "dropoutForward x");
        Operands.require(y, s, "dropoutForward y");
        Operands.require(mask, s, "dropoutForward mask");
    }

    /** dropoutBackward: dy and dx have the mask's shape. */
    public static void checkDropoutBackward(Tensor dx, Tensor dy, Tensor mask) {
        Shape s = Operands.shape(mask, "dropoutBackward mask");
        Operands.require(dy, s, "dropoutBackward dy");
        Operands.require(dx, s, "dropoutBackward dx");
    }
}
