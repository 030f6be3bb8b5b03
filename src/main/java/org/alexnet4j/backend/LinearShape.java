package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * The sizes of one fully-connected op, checked the same way for every backend (as ConvSpec does for
 * convolutions): the (N, out) operand y or dy, the (N, in) operand x or dx, the weight w or dw (out, in),
 * and an optional bias (out).
 */
public record LinearShape(int n, int in, int out) {

    /** Checks the operands of {@code op} against each other; names them in the message when they do not fit. */
    public static LinearShape check(String op, Tensor outputSide, Tensor inputSide, Tensor weight, Tensor bias) {
        Shape x = Operands.shape(inputSide, op + " (N, in) operand").requireRank(2, op + " (N, in) operand");
        Shape w = Operands.shape(weight, op + " weight").requireRank(2, op + " weight (out, in)");
        int n = x.dim(0), in = x.dim(1), out = w.dim(0);
        w.require(Shape.of(out, in), op + " weight (out, in) for an input " + x);
        Operands.require(outputSide, Shape.of(n, out), op + " (N, out) operand");
        if (bias != null) bias.shape().require(Shape.of(out), op + " bias");
        return new LinearShape(n, in, out);
    }
}
