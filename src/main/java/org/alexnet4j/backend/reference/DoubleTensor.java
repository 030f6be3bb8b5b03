package org.alexnet4j.backend.reference;

import org.alexnet4j.tensor.Shape;

/** A dense row-major float64 array with its shape: the operand of every {@link ReferenceMath} function. */
record DoubleTensor(Shape shape, double[] data) {
    DoubleTensor {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("a double tensor " + shape + " needs " + shape.size() + " values, got " + data.length);
        }
    }

    static DoubleTensor zeros(Shape shape) {
        if (shape.size() > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor " + shape + " is too large for the reference backend");
        return new DoubleTensor(shape, new double[(int) shape.size()]);
    }

    int dim(int axis) { return shape.dim(axis); }
}
