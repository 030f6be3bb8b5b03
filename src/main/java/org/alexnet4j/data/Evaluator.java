package org.alexnet4j.data;

import java.util.Arrays;
import java.util.Iterator;
import org.alexnet4j.train.Metrics;

/**
 * Scores a model on an evaluation loader (mode CENTRE or TEN_CROP): the probabilities of an image's crops
 * are averaged (the paper's ten-patch test), then top-1/top-5 errors and the confusion matrix, ranking as
 * {@link Metrics#rank} does (ties go to the lower class index, so the top-1 class is the first maximum).
 * A non-finite score fails the evaluation rather than becoming a prediction.
 */
public final class Evaluator {
    private Evaluator() {}

    public static Evaluation evaluate(Loader loader, BatchScorer model) {
        int crops = loader.pipeline().cropsPerImage(), classes = loader.classNames().size();
        long[][] confusion = new long[classes][classes];
        long images = 0, top1Errors = 0, top5Errors = 0;
        float[] average = new float[classes];
        for (Iterator<Batch> it = loader.epoch(0); it.hasNext(); ) {
            Batch batch = it.next();
            float[] probabilities = model.probabilities(batch);
            if (probabilities.length < (long) batch.size() * classes) {
                throw new IllegalArgumentException("model returned " + probabilities.length + " probabilities for " + batch.size() + " inputs of " + classes + " classes");
            }
            for (int image = 0; image < batch.size() / crops; image++) {
                Arrays.fill(average, 0);
                for (int c = 0; c < crops; c++) {
                    int row = (image * crops + c) * classes;
                    for (int j = 0; j < classes; j++) average[j] += probabilities[row + j] / crops;
                }
                Metrics.requireFinite(average, 0, classes, "evaluation image " + images + " (in data order)");
                int truth = batch.labels()[image * crops];
                int predicted = 0;
                for (int j = 1; j < classes; j++) if (average[j] > average[predicted]) predicted = j;
                int rank = Metrics.rank(average, 0, classes, truth);
                confusion[truth][predicted]++;
                if (rank >= 1) top1Errors++;
                if (rank >= 5) top5Errors++;
                images++;
            }
        }
        return new Evaluation(images, top1Errors, top5Errors, confusion);
    }
}
