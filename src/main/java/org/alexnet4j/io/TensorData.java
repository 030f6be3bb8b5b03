// A named tensor's contents on the Java heap: a shape and its float32 elements in row-major order.
package org.alexnet4j.io;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;

/** Row-major float32 data of one tensor; {@code data.length == shape.size()}. The array is not copied. */
public record TensorData(Shape shape, float[] data) {
    public TensorData {
        if (shape == null || data == null) throw new IllegalArgumentException("tensor data needs a shape and an array");
        if (data.length != shape.size()) {
            throw new ShapeException("tensor data of shape " + shape + " needs " + shape.size() + " floats, got " + data.length);
        }
    }
}
