package org.alexnet4j.data;

import java.util.List;

/** A size x size window at (top, left) of a square base image, mirrored left-right when {@code flip}. */
public record Crop(int top, int left, boolean flip) {
    /** The central window (offsets rounded down) of a {@code side} x {@code side} image. */
    public static Crop centre(int side, int size) {
        checkFits(side, size);
        return new Crop((side - size) / 2, (side - size) / 2, false);
    }

    /**
     * The paper's ten test patches: top-left, top-right, bottom-left, bottom-right, {@code centre}, then the
     * same five mirrored, in that order.
     */
    public static List<Crop> tenCrops(int side, int size, Crop centre) {
        checkFits(side, size);
        int far = side - size;
        List<Crop> five = List.of(new Crop(0, 0, false), new Crop(0, far, false), new Crop(far, 0, false), new Crop(far, far, false), centre);
        return List.of(five.get(0), five.get(1), five.get(2), five.get(3), five.get(4),
                five.get(0).mirrored(), five.get(1).mirrored(), five.get(2).mirrored(), five.get(3).mirrored(), five.get(4).mirrored());
    }

    public Crop mirrored() { return new Crop(top, left, !flip); }

    /**
     * Writes the crop of {@code image} (square, side S) into {@code destination} at {@code offset} as
     * (3, size, size), each value (pixel + shift[c] - mean[c, y, x]) * scale[c], where (y, x) is the
     * source pixel and {@code mean} is a (3, S, S) image.
     */
    public void extract(RgbImage image, int size, float[] shift, float[] mean, float[] scale, float[] destination, int offset) {
        int side = image.height();
        if (image.width() != side) throw new IllegalArgumentException("crops are taken from square images, got " + image.height() + "x" + image.width());
        if (top < 0 || left < 0 || top + size > side || left + size > side) {
            throw new IllegalArgumentException("crop " + size + "x" + size + " at (" + top + ", " + left + ") exceeds image " + side + "x" + side);
        }
        float[] src = image.pixels();
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            float add = shift[c], times = scale[c];
            for (int y = 0; y < size; y++) {
                int row = image.index(c, top + y, left);
                int out = offset + (c * size + y) * size;
                for (int x = 0; x < size; x++) {
                    int s = row + (flip ? size - 1 - x : x);
                    destination[out + x] = (src[s] + add - mean[s]) * times;
                }
            }
        }
    }

    private static void checkFits(int side, int size) {
        if (size <= 0 || size > side) throw new IllegalArgumentException("crop size " + size + " does not fit an image of side " + side);
    }
}
