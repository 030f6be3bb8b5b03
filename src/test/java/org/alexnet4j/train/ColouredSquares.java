package org.alexnet4j.train;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.alexnet4j.data.Batch;
import org.alexnet4j.data.BatchSource;
import org.alexnet4j.tensor.Shape;

/**
 * A tiny learnable data set for training tests: class c is a square of colour c (red, green, blue) at a
 * random place on a noisy grey background. Images are a pure function of (seed, epoch, index).
 */
final class ColouredSquares implements BatchSource {
    private static final float[][] COLOURS = {{1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}};
    private final int images, batchSize, side;
    private final long seed;

    ColouredSquares(int images, int batchSize, int side, long seed) {
        this.images = images;
        this.batchSize = batchSize;
        this.side = side;
        this.seed = seed;
    }

    @Override public int imagesPerEpoch() { return images; }

    @Override public List<String> classNames() { return List.of("red", "green", "blue"); }

    @Override public Iterator<Batch> epoch(int epoch, int firstBatch) {
        return new Iterator<>() {
            private int next = Math.min(images, firstBatch * batchSize);

            @Override public boolean hasNext() { return next < images; }

            @Override public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                int n = Math.min(batchSize, images - next);
                Shape shape = Shape.of(n, 3, side, side);
                float[] pixels = new float[Math.toIntExact(shape.size())];
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) labels[i] = draw(epoch, next + i, pixels, i * 3 * side * side);
                next += n;
                return new Batch(shape, pixels, labels);
            }
        };
    }

    /** Draws image {@code index} of {@code epoch} into pixels at offset; returns its label. */
    private int draw(int epoch, int index, float[] pixels, int offset) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch * 10_007L + index);
        int label = random.nextInt(COLOURS.length);
        int square = side / 3, top = random.nextInt(side - square), left = random.nextInt(side - square);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    boolean inside = y >= top && y < top + square && x >= left && x < left + square;
                    pixels[offset + (c * side + y) * side + x] = (float) ((inside ? COLOURS[label][c] : 0) + 0.2 * random.nextGaussian());
                }
            }
        }
        return label;
    }
}
