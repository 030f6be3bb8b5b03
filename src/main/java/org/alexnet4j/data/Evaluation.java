package org.alexnet4j.data;

import java.util.List;

/**
 * Classification results over a test set: top-1 and top-5 errors and the confusion matrix of top-1
 * predictions, confusion[true][predicted] (ranking as {@link org.alexnet4j.train.Metrics#rank}).
 */
public record Evaluation(long images, long top1Errors, long top5Errors, long[][] confusion) {
    public double top1Error() { return images == 0 ? Double.NaN : (double) top1Errors / images; }

    public double top5Error() { return images == 0 ? Double.NaN : (double) top5Errors / images; }

    /** Accuracy of each class (NaN for a class with no images). */
    public double[] perClassAccuracy() {
        double[] accuracy = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            long total = 0;
            for (long n : confusion[c]) total += n;
            accuracy[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
        }
        return accuracy;
    }

    /** The results as text: errors, then per-class accuracy and the confusion matrix rows if asked. */
    public String report(List<String> classNames, boolean perClass) {
        StringBuilder b = new StringBuilder(String.format("%d images: top-1 error %.2f%%, top-5 error %.2f%%", images, 100 * top1Error(), 100 * top5Error()));
        if (perClass) {
            double[] accuracy = perClassAccuracy();
            b.append("\nclass accuracy, then predictions per class (columns in class order):");
            for (int c = 0; c < confusion.length; c++) {
                b.append(String.format("%n%-16s %6.2f%% ", classNames.get(c), 100 * accuracy[c]));
                for (long n : confusion[c]) b.append(' ').append(n);
            }
        }
        return b.toString();
    }
}
