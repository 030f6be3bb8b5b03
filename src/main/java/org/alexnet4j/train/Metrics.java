package org.alexnet4j.train;

/**
 * Accumulates top-1 / top-5 hits and the mean loss over batches. An image is a top-k hit when fewer than k
 * classes rank above its label, ranking by probability and, on equal probability, by lower class index
 * (the first maximum wins, as argmax). A NaN never counts for the label: a NaN score of the label leaves it
 * unranked (a hit for no k), and a NaN score of another class ranks that class above the label.
 */
public final class Metrics {
    private final int classes;
    private long images, top1, top5;
    private double lossSum;

    public Metrics(int classes) {
        if (classes < 1) throw new IllegalArgumentException("classes must be >= 1, got " + classes);
        this.classes = classes;
    }

    /**
     * Adds {@code count} images: probabilities (count, classes) row-major, their labels, and the mean loss of
     * the batch (weighted by count in the overall mean).
     */
    public void add(float[] probabilities, int[] labels, int count, double meanLoss) {
        if (probabilities.length < (long) count * classes) throw new IllegalArgumentException(count + " images of " + classes + " classes need " + (long) count * classes + " probabilities, got " + probabilities.length);
        for (int i = 0; i < count; i++) {
            int rank = rank(probabilities, i * classes, classes, labels[i]);
            if (rank < 1) top1++;
            if (rank < 5) top5++;
        }
        images += count;
        lossSum += meanLoss * count;
    }

    /**
     * How many classes rank above {@code label} in the row starting at {@code offset}; {@link Integer#MAX_VALUE}
     * (a hit for no k) when the label's own score is NaN.
     */
    public static int rank(float[] probabilities, int offset, int classes, int label) {
        if (label < 0 || label >= classes) throw new IllegalArgumentException("label " + label + " outside [0, " + classes + ")");
        float p = probabilities[offset + label];
        if (Float.isNaN(p)) return Integer.MAX_VALUE;
        int above = 0;
        for (int j = 0; j < classes; j++) {
            float q = probabilities[offset + j];
            if (q > p || (q == p && j < label) || Float.isNaN(q)) above++;
        }
        return above;
    }

    /**
     * Throws unless the {@code classes} scores from {@code offset} are all finite; {@code what} names the
     * input in the message. Finite weights can still overflow on an input, and a NaN must not become an answer.
     */
    public static void requireFinite(float[] scores, int offset, int classes, String what) {
        for (int j = 0; j < classes; j++) {
            float q = scores[offset + j];
            if (!Float.isFinite(q)) {
                throw new ArithmeticException("the network's output for " + what + " is not finite (class " + j + ": " + q
                        + "): its weights overflow on this input");
            }
        }
    }

    public Score score() {
        if (images == 0) return new Score(0, Double.NaN, Double.NaN, Double.NaN);
        return new Score(images, lossSum / images, (double) top1 / images, (double) top5 / images);
    }
}
