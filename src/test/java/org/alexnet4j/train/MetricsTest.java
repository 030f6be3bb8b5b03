package org.alexnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Top-1 / top-5 counting from probabilities and the image-weighted mean loss. */
class MetricsTest {
    @Test void countsTop1AndTop5HitsAndWeightsTheLossByImages() {
        Metrics metrics = new Metrics(7);
        float[] probabilities = {
                // label 0 ranks first: top-1 and top-5 hit
                0.40f, 0.10f, 0.10f, 0.10f, 0.10f, 0.10f, 0.10f,
                // label 6 has 4 classes above it (rank 4): top-5 hit only
                0.30f, 0.25f, 0.15f, 0.12f, 0.05f, 0.03f, 0.10f,
                // label 5 has 5 classes above it (rank 5): neither
                0.30f, 0.25f, 0.15f, 0.12f, 0.11f, 0.02f, 0.01f};
        metrics.add(probabilities, new int[] {0, 6, 5}, 3, 0.9);
        metrics.add(new float[] {0.1f, 0.9f, 0, 0, 0, 0, 0}, new int[] {1}, 1, 0.1);
        Score score = metrics.score();
        assertEquals(4, score.images());
        assertEquals(0.5, score.top1Accuracy());
        assertEquals(0.75, score.top5Accuracy());
        assertEquals(0.25, score.top5Error());
        assertEquals((0.9 * 3 + 0.1) / 4, score.loss(), 1e-12);
    }

    @Test void tiesGoToTheLowerClassIndexAsArgmax() {
        float[] uniform = {0.25f, 0.25f, 0.25f, 0.25f};
        assertEquals(0, Metrics.rank(uniform, 0, 4, 0));
        assertEquals(3, Metrics.rank(uniform, 0, 4, 3));
    }

    @Test void aNaNScoreIsNeverAHit() {
        float nan = Float.NaN;
        assertEquals(Integer.MAX_VALUE, Metrics.rank(new float[] {nan, nan, nan}, 0, 3, 0), "a NaN label is unranked");
        assertEquals(Integer.MAX_VALUE, Metrics.rank(new float[] {0.1f, nan, 0.2f}, 0, 3, 1));
        assertEquals(1, Metrics.rank(new float[] {0.9f, nan, 0.05f}, 0, 3, 0), "a NaN elsewhere ranks above the label");
        Metrics metrics = new Metrics(2);
        metrics.add(new float[] {nan, nan, nan, nan}, new int[] {0, 1}, 2, Double.NaN);
        Score score = metrics.score();
        assertEquals(0, score.top1Accuracy());
        assertEquals(0, score.top5Accuracy(), "two classes: any label is in the top 5 unless its score is NaN");
    }
}
