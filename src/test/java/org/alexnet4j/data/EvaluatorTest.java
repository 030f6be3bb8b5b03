package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.alexnet4j.backend.CounterRng;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    private static final int CLASSES = 7, SIDE = 7, INPUT = 5;

    /** Image i: red = i + 1, green = row, blue = column everywhere, so a crop reveals image, position and mirroring. */
    private static Dataset coded(int size) {
        return new Dataset() {
            @Override public int size() { return size; }
            @Override public int label(int index) { return index % CLASSES; }
            @Override public List<String> classNames() { return java.util.stream.IntStream.range(0, CLASSES).mapToObj(c -> "c" + c).toList(); }
            @Override public RgbImage image(int index) {
                RgbImage image = RgbImage.blank(SIDE, SIDE);
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        image.pixels()[image.index(0, y, x)] = index + 1;
                        image.pixels()[image.index(1, y, x)] = y;
                        image.pixels()[image.index(2, y, x)] = x;
                    }
                }
                return image;
            }
            @Override public String describe(int index) { return "coded " + index; }
            @Override public String fingerprint() { return "coded"; }
        };
    }

    /** Seeded pseudo-random class probabilities for (image, crop), normalized to sum 1. */
    private static float[] scores(int image, Crop crop) {
        float[] p = new float[CLASSES];
        float sum = 0;
        long key = image * 1000L + crop.top() * 100 + crop.left() * 10 + (crop.flip() ? 1 : 0);
        for (int c = 0; c < CLASSES; c++) sum += p[c] = CounterRng.uniform(key, c) + (c == image % CLASSES ? 0.35f : 0);
        for (int c = 0; c < CLASSES; c++) p[c] /= sum;
        return p;
    }

    /** Reads image and crop back from each input's pixels and answers scores(image, crop). */
    private static final BatchScorer READS_CROPS = batch -> {
        int floats = 3 * INPUT * INPUT, plane = INPUT * INPUT;
        float[] out = new float[batch.size() * CLASSES];
        for (int n = 0; n < batch.size(); n++) {
            float[] x = batch.images();
            int image = Math.round(x[n * floats]) - 1, top = Math.round(x[n * floats + plane]);
            float first = x[n * floats + 2 * plane], second = x[n * floats + 2 * plane + 1];
            boolean flip = second < first;
            int left = Math.round(flip ? first - (INPUT - 1) : first);
            System.arraycopy(scores(image, new Crop(top, left, flip)), 0, out, n * CLASSES, CLASSES);
        }
        return out;
    };

    /** The expected evaluation, computed directly from scores() over the given crops of each image. */
    private static Evaluation expected(int size, List<Crop> crops) {
        long[][] confusion = new long[CLASSES][CLASSES];
        long top1 = 0, top5 = 0;
        for (int i = 0; i < size; i++) {
            double[] mean = new double[CLASSES];
            for (Crop crop : crops) {
                float[] s = scores(i, crop);
                for (int c = 0; c < CLASSES; c++) mean[c] += s[c] / crops.size();
            }
            Integer[] order = java.util.stream.IntStream.range(0, CLASSES).boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(order, (a, b) -> Double.compare(mean[b], mean[a]));
            int truth = i % CLASSES;
            confusion[truth][order[0]]++;
            if (order[0] != truth) top1++;
            if (!java.util.Arrays.asList(order).subList(0, 5).contains(truth)) top5++;
        }
        return new Evaluation(size, top1, top5, confusion);
    }

    private static void assertEvaluation(Evaluation expected, Evaluation actual) {
        assertEquals(expected.images(), actual.images());
        assertEquals(expected.top1Errors(), actual.top1Errors(), "top-1 errors");
        assertEquals(expected.top5Errors(), actual.top5Errors(), "top-5 errors");
        for (int c = 0; c < CLASSES; c++) assertArrayEquals(expected.confusion()[c], actual.confusion()[c], "confusion row " + c);
    }

    private static Loader loader(int size, ImagePipeline.Mode mode) { return loader(coded(size), mode, 4, 2); }

    /** An evaluation loader of {@code dataset}: dataset order, every image, no normalization. */
    private static Loader loader(Dataset dataset, ImagePipeline.Mode mode, int batchSize, int threads) {
        ImageStatistics none = new ImageStatistics(SIDE, 1, new float[3 * SIDE * SIDE], new float[3], new float[] {1, 1, 1}, PcaLighting.IMAGENET, "none");
        ImagePipeline pipeline = new ImagePipeline(SIDE, INPUT, mode, Augmentation.NONE, Normalization.NONE, none);
        return new Loader(new BaseImages(dataset, SIDE, BadImagePolicy.FAIL, new DataProblems()), pipeline, Loader.Options.evaluation(batchSize, threads));
    }

    @Test void tenCropAveragesTheTenPatchesOfEveryImage() {
        try (Loader loader = loader(61, ImagePipeline.Mode.TEN_CROP)) {
            Evaluation expected = expected(61, Crop.tenCrops(SIDE, INPUT, Crop.centre(SIDE, INPUT)));
            assertEvaluation(expected, Evaluator.evaluate(loader, READS_CROPS));
            assertEvaluation(expected, Evaluator.evaluate(loader, READS_CROPS));
        }
    }

    @Test void centreCropUsesTheCentralPatchOnly() {
        try (Loader loader = loader(61, ImagePipeline.Mode.CENTRE)) {
            assertEvaluation(expected(61, List.of(Crop.centre(SIDE, INPUT))), Evaluator.evaluate(loader, READS_CROPS));
        }
    }

    /** Top-5 counts the true class as found when at most four classes rank above it. */
    @Test void topFiveAndPerClassAccuracyByHand() {
        float[][] rows = {
            {0.30f, 0.20f, 0.15f, 0.12f, 0.10f, 0.08f, 0.05f}, // truth 0: top-1 right
            {0.30f, 0.20f, 0.15f, 0.12f, 0.10f, 0.08f, 0.05f}, // truth 4: rank 5 -> top-5 right, top-1 wrong
            {0.30f, 0.20f, 0.15f, 0.12f, 0.10f, 0.08f, 0.05f}, // truth 5: rank 6 -> both wrong
        };
        int[] truths = {0, 4, 5};
        BatchScorer fixed = batch -> {
            float[] out = new float[batch.size() * CLASSES];
            for (int n = 0; n < batch.size(); n++) System.arraycopy(rows[n], 0, out, n * CLASSES, CLASSES);
            return out;
        };
        Dataset three = new Dataset() {
            @Override public int size() { return 3; }
            @Override public int label(int index) { return truths[index]; }
            @Override public List<String> classNames() { return coded(1).classNames(); }
            @Override public RgbImage image(int index) { return RgbImage.blank(SIDE, SIDE); }
            @Override public String describe(int index) { return "blank " + index; }
            @Override public String fingerprint() { return "blank"; }
        };
        try (Loader loader = loader(three, ImagePipeline.Mode.CENTRE, 3, 1)) {
            Evaluation e = Evaluator.evaluate(loader, fixed);
            assertEquals(2, e.top1Errors());
            assertEquals(1, e.top5Errors());
            assertEquals(1.0, e.perClassAccuracy()[0]);
            assertEquals(0.0, e.perClassAccuracy()[4]);
            assertEquals(1, e.confusion()[5][0]);
            assertEquals(Double.NaN, e.perClassAccuracy()[1]);
        }
    }

    /** Scores that overflowed (NaN) would rank the label first under a plain comparison; the evaluation fails instead, naming the image. */
    @Test void aNonFiniteScoreFailsTheEvaluationNamingTheImage() {
        BatchScorer overflowsOnImage5 = batch -> {
            float[] out = READS_CROPS.probabilities(batch);
            int image = Math.round(batch.images()[0]) - 1; // batches of 4, centre crop: 4 images per batch
            if (image == 4) java.util.Arrays.fill(out, CLASSES, 2 * CLASSES, Float.NaN);
            return out;
        };
        try (Loader loader = loader(12, ImagePipeline.Mode.CENTRE)) {
            ArithmeticException e = org.junit.jupiter.api.Assertions.assertThrows(ArithmeticException.class, () -> Evaluator.evaluate(loader, overflowsOnImage5));
            assertEquals("the network's output for evaluation image 5 (in data order) is not finite (class 0: NaN): its weights overflow on this input", e.getMessage());
        }
    }
}
