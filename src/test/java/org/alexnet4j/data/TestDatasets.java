package org.alexnet4j.data;

import java.util.List;
import java.util.Set;

/** Small in-memory datasets for the data tests. */
final class TestDatasets {
    private TestDatasets() {}

    /**
     * Image i is side x side with value (i + 1) / 1000 + channel / 10 everywhere, so a crop reveals its
     * index; label = i mod classes; images in {@code broken} throw a DataException naming them.
     */
    static Dataset indexed(int size, int side, int classes, Set<Integer> broken) {
        return new Dataset() {
            @Override public int size() { return size; }

            @Override public int label(int index) { return index % classes; }

            @Override public List<String> classNames() {
                return java.util.stream.IntStream.range(0, classes).mapToObj(c -> "class" + c).toList();
            }

            @Override public RgbImage image(int index) {
                if (broken.contains(index)) throw new DataException(describe(index) + ": corrupt on purpose");
                RgbImage image = RgbImage.blank(side, side);
                for (int c = 0; c < 3; c++) {
                    java.util.Arrays.fill(image.pixels(), c * side * side, (c + 1) * side * side, valueOf(index, c));
                }
                return image;
            }

            @Override public String describe(int index) { return "test image " + index; }

            @Override public String fingerprint() { return "indexed:" + size + ":" + side + ":" + classes; }
        };
    }

    static float valueOf(int index, int channel) { return (index + 1) / 1000f + channel / 10f; }

    /** The index an input of {@link #indexed} came from, read from its first red value. */
    static int indexOf(float red) { return Math.round(red * 1000) - 1; }
}
