package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * The sizes of one biasBackward call, checked the same way for every backend: dy (N, K, ...) of rank 2
 * (linear) or more (convolution), db (K). inner = the elements of dy per (image, channel).
 */
public record BiasShape(int n, int channels, long inner) {

    /** The contract of biasBackward. */
    public static BiasShape check(Tensor db, Tensor dy) {
        Shape gradient = Operands.shape(dy, "biasBackward dy");
        if (gradient.rank() < 2) throw new ShapeException("biasBackward dy: expected rank >= 2 (N, K, ...), got " + gradient);
        Operands.require(db, Shape.of(gradient.dim(1)), "biasBackward db");
        return new BiasShape(gradient.dim(0), gradient.dim(1), gradient.size() / ((long) gradient.dim(0) * gradient.dim(1)));
    }
}
