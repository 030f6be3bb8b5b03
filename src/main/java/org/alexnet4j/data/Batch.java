package org.alexnet4j.data;

import org.alexnet4j.tensor.Shape;

/**
 * One host batch: images (N, C, H, W) float32 row-major and one label per image. A loader may reuse a
 * batch's arrays for a later batch once the consumer asks for the next one.
 */
public record Batch(Shape shape, float[] images, int[] labels) {
    public Batch {
        shape.requireRank(4, "batch images (N, C, H, W)");
        if (images.length < shape.size()) throw new IllegalArgumentException("batch " + shape + " needs " + shape.size() + " floats, array has " + images.length);
        if (labels.length < shape.dim(0)) throw new IllegalArgumentException("batch " + shape + " needs " + shape.dim(0) + " labels, array has " + labels.length);
    }

    public int size() { return shape.dim(0); }
}
