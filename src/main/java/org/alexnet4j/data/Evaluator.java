package org.alexnet4j.data;

import java.util.Iterator;

/**
 * Scores a classifier on an evaluation loader (mode CENTRE or TEN_CROP): the probabilities of an image's
 * crops are averaged (the paper's ten-patch test), then top-1/top-5 errors and the confusion matrix.
 */
public final class Evaluator {
    private Evaluator() {}

    public static Evaluation evaluate(Loader loader, Classifier classifier) {
        int crops = loader.pipeline().cropsPerImage(), classes = loader.classNames().size();
        int k = Math.min(5, classes);
        long[][] confusion = new long[classes][classes];
        long images = 0, top1Errors = 0, topKErrors = 0;
        double[] average = new double[classes];
        for (Iterator<Batch> it = loader.epoch(0); it.hasNext(); ) {
            Batch batch = it.next();
            float[] probabilities = classifier.probabilities(batch);
            if (probabilities.length < (long) batch.size() * classes) {
                throw new IllegalArgumentException("classifier returned " + probabilities.length + " probabilities for " + batch.size() + " inputs of " + classes + " classes");
            }
            for (int image = 0; image < batch.size() / crops; image++) {
                java.util.Arrays.fill(average, 0);
                for (int c = 0; c < crops; c++) {
                    int row = (image * crops + c) * classes;
                    for (int j = 0; j < classes; j++) average[j] += probabilities[row + j];
                }
                int truth = batch.labels()[image * crops];
                int predicted = 0, higher = 0;
                for (int j = 0; j < classes; j++) {
                    if (average[j] > average[predicted]) predicted = j;
                    if (average[j] > average[truth]) higher++;
                }
                confusion[truth][predicted]++;
                if (predicted != truth) top1Errors++;
                if (higher >= k) topKErrors++;
                images++;
            }
        }
        return new Evaluation(images, top1Errors, topKErrors, confusion);
    }
}
