package org.alexnet4j.nn;

import java.util.List;
import java.util.SplittableRandom;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.data.Batch;
import org.alexnet4j.tensor.Shape;

/** A small network with one layer of every kind and odd sizes, initialised so activations are of order 1, and seeded batches for it. */
final class SmallNetworks {
    private SmallNetworks() {}

    static final Shape INPUT = Shape.of(3, 15, 13);
    static final int CLASSES = 3;

    /**
     * conv1 (3->4, 3x3 s2 p1) relu1 lrn1 pool1 (3, 2) bn1 conv2 (4->6, groups 2) relu2 avgpool (3x3 -> 2x2)
     * flatten drop (p 0.25) fc1 (24->5) relu3 fc2 (5->3). Shapes: (4,8,7) (4,3,3) (6,3,3) (6,2,2) 24 5 3.
     */
    static List<Layer> layers(int fcInput) {
        Init weight = Init.normal(0.5), bias = Init.constant(0.1f);
        return List.of(
                new Conv2d("conv1", 3, 4, 3, 2, 1, 1, true, weight, bias),
                new ReLU("relu1"),
                new LocalResponseNorm("lrn1", new LrnSpec(3, 0.9, 0.75, 1.0)),
                new MaxPool2d("pool1", 3, 2),
                new BatchNorm2d("bn1", 4, BatchNormSpec.PYTORCH_DEFAULT),
                new Conv2d("conv2", 4, 6, 3, 1, 1, 2, true, weight, bias),
                new ReLU("relu2"),
                new AdaptiveAvgPool2d("avgpool", 2, 2),
                new Flatten("flatten"),
                new Dropout("drop", 0.25f),
                new Linear("fc1", fcInput, 5, true, weight, bias),
                new ReLU("relu3"),
                new Linear("fc2", 5, CLASSES, true, weight, bias));
    }

    static Architecture architecture() { return new Architecture(INPUT, layers(24)); }

    /** n images of INPUT's shape with values ~ N(0, 1) and labels cycling through the classes. */
    static Batch batch(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Shape shape = Architecture.withBatch(INPUT, n);
        float[] images = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < images.length; i++) images[i] = (float) random.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % CLASSES;
        return new Batch(shape, images, labels);
    }
}
