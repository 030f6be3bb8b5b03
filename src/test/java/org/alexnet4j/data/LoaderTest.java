package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoaderTest {
    private static Loader indexedLoader(int size, Set<Integer> broken, BadImagePolicy policy, Loader.Options options) {
        Dataset dataset = TestDatasets.indexed(size, 9, 4, broken);
        BaseImages images = new BaseImages(dataset, 9, policy, new DataProblems());
        ImagePipeline pipeline = new ImagePipeline(9, 5, ImagePipeline.Mode.TRAIN, new Augmentation(true, true, 0, Augmentation.LightingComponents.IMAGENET), Normalization.NONE, null);
        return new Loader(images, pipeline, options);
    }

    /** Copies of every batch of an epoch (images and labels), so reused buffers do not matter. */
    private static List<float[]> epochImages(Loader loader, int epoch, List<int[]> labels) {
        List<float[]> images = new ArrayList<>();
        Iterator<Batch> it = loader.epoch(epoch);
        while (it.hasNext()) {
            Batch b = it.next();
            images.add(Arrays.copyOf(b.images(), Math.toIntExact(b.shape().size())));
            labels.add(Arrays.copyOf(b.labels(), b.size()));
        }
        return images;
    }

    /** An epoch started at batch k (a resumed run) gives batches k, k+1, ... of the whole epoch and never decodes an image of the batches before. */
    @Test void anEpochFromABatchOnSkipsTheBatchesBeforeWithoutDecodingThem() {
        Dataset indexed = TestDatasets.indexed(40, 9, 4, Set.of());
        Set<Integer> decoded = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Dataset counting = new Dataset() {
            @Override public int size() { return indexed.size(); }
            @Override public int label(int index) { return indexed.label(index); }
            @Override public List<String> classNames() { return indexed.classNames(); }
            @Override public RgbImage image(int index) { decoded.add(index); return indexed.image(index); }
            @Override public String describe(int index) { return indexed.describe(index); }
            @Override public String fingerprint() { return indexed.fingerprint(); }
        };
        ImagePipeline pipeline = new ImagePipeline(9, 5, ImagePipeline.Mode.TRAIN, new Augmentation(true, true, 0, Augmentation.LightingComponents.IMAGENET),
                Normalization.NONE, null);
        Loader.Options options = Loader.Options.training(4, 2, 5);
        List<float[]> whole, fromThree;
        List<int[]> wholeLabels = new ArrayList<>(), fromThreeLabels = new ArrayList<>();
        try (Loader loader = new Loader(new BaseImages(counting, 9, BadImagePolicy.FAIL, new DataProblems()), pipeline, options)) {
            whole = epochImages(loader, 1, wholeLabels);
            decoded.clear();
            fromThree = new ArrayList<>();
            Iterator<Batch> it = loader.epoch(1, 3);
            while (it.hasNext()) {
                Batch b = it.next();
                fromThree.add(Arrays.copyOf(b.images(), Math.toIntExact(b.shape().size())));
                fromThreeLabels.add(Arrays.copyOf(b.labels(), b.size()));
            }
        }
        assertEquals(whole.size() - 3, fromThree.size());
        for (int b = 0; b < fromThree.size(); b++) {
            assertArrayEquals(whole.get(b + 3), fromThree.get(b), "batch " + (b + 3));
            assertArrayEquals(wholeLabels.get(b + 3), fromThreeLabels.get(b), "labels of batch " + (b + 3));
        }
        assertEquals(40 - 3 * 4, decoded.size(), "only the images of batches 3.. were decoded");
    }

    @Test void batchesAreTheSameForAnyThreadCountAndPrefetch() {
        SyntheticDataset dataset = new SyntheticDataset(5, 23, 12);
        BaseImages images = new BaseImages(dataset, 12, BadImagePolicy.FAIL, new DataProblems());
        ImageStatistics statistics = ImageStatistics.compute(images, 100, 2);
        ImagePipeline pipeline = new ImagePipeline(12, 9, ImagePipeline.Mode.TRAIN, Augmentation.PAPER, Normalization.MEAN_IMAGE, statistics);
        List<List<float[]>> runs = new ArrayList<>();
        List<List<int[]>> labelRuns = new ArrayList<>();
        for (int[] threadsPrefetch : new int[][] {{1, 1}, {3, 2}, {2, 5}}) {
            try (Loader loader = new Loader(images, pipeline, new Loader.Options(4, true, false, threadsPrefetch[0], threadsPrefetch[1], 99))) {
                for (int epoch = 0; epoch < 2; epoch++) {
                    List<int[]> labels = new ArrayList<>();
                    runs.add(epochImages(loader, epoch, labels));
                    labelRuns.add(labels);
                }
            }
        }
        for (int run = 2; run < runs.size(); run++) {
            List<float[]> expected = runs.get(run % 2), actual = runs.get(run);
            assertEquals(expected.size(), actual.size());
            for (int b = 0; b < expected.size(); b++) {
                assertArrayEquals(expected.get(b), actual.get(b), "run " + run + " batch " + b);
                assertArrayEquals(labelRuns.get(run % 2).get(b), labelRuns.get(run).get(b), "labels, run " + run + " batch " + b);
            }
        }
        assertFalse(Arrays.equals(runs.get(0).get(0), runs.get(1).get(0)), "epochs 0 and 1 differ (shuffle and augmentation per epoch)");
    }

    @Test void everyImageAppearsOncePerEpochWithItsOwnLabel() {
        try (Loader loader = indexedLoader(11, Set.of(), BadImagePolicy.FAIL, new Loader.Options(3, true, false, 2, 2, 4))) {
            assertEquals(11, loader.imagesPerEpoch());
            assertEquals(4, loader.batchesPerEpoch());
            int[][] orders = new int[2][];
            for (int epoch = 0; epoch < 2; epoch++) {
                List<int[]> labels = new ArrayList<>();
                List<float[]> batches = epochImages(loader, epoch, labels);
                assertEquals(List.of(3, 3, 3, 2), labels.stream().map(l -> l.length).toList(), "batch sizes, last one partial");
                int[] seen = new int[11];
                List<Integer> order = new ArrayList<>();
                for (int b = 0; b < batches.size(); b++) {
                    for (int i = 0; i < labels.get(b).length; i++) {
                        int index = TestDatasets.indexOf(batches.get(b)[i * 75]);
                        seen[index]++;
                        order.add(index);
                        assertEquals(index % 4, labels.get(b)[i], "label of image " + index);
                    }
                }
                int[] once = new int[11];
                Arrays.fill(once, 1);
                assertArrayEquals(once, seen, "each image exactly once in epoch " + epoch);
                orders[epoch] = order.stream().mapToInt(Integer::intValue).toArray();
            }
            assertFalse(Arrays.equals(orders[0], orders[1]), "a new order each epoch");
        }
    }

    @Test void dropLastLeavesOutThePartialBatch() {
        try (Loader loader = indexedLoader(11, Set.of(), BadImagePolicy.FAIL, new Loader.Options(3, false, true, 1, 1, 0))) {
            assertEquals(9, loader.imagesPerEpoch());
            List<int[]> labels = new ArrayList<>();
            List<float[]> batches = epochImages(loader, 0, labels);
            assertEquals(3, batches.size());
            assertEquals(8, TestDatasets.indexOf(batches.get(2)[2 * 75]), "unshuffled: the last image kept is image 8");
        }
    }

    @Test void batchBuffersAreReusedFromASmallRing() {
        try (Loader loader = indexedLoader(12, Set.of(), BadImagePolicy.FAIL, new Loader.Options(2, true, true, 2, 2, 1))) {
            Iterator<Batch> it = loader.epoch(0);
            List<float[]> arrays = new ArrayList<>();
            while (it.hasNext()) arrays.add(it.next().images());
            assertSame(arrays.get(0), arrays.get(3), "ring of prefetch + 1 = 3 batches");
            assertEquals(3, arrays.stream().distinct().count());
        }
    }

    @Test void failPolicyStopsWithTheImageName() {
        try (Loader loader = indexedLoader(6, Set.of(4), BadImagePolicy.FAIL, new Loader.Options(2, false, false, 2, 2, 0))) {
            Iterator<Batch> it = loader.epoch(0);
            it.next();
            DataException e = assertThrows(DataException.class, () -> { while (it.hasNext()) it.next(); });
            assertTrue(e.getMessage().contains("test image 4"), e.getMessage());
        }
    }

    @Test void skipPolicyCountsOnceAndUsesTheNextImageWithItsOwnLabel() {
        try (Loader loader = indexedLoader(6, Set.of(2), BadImagePolicy.SKIP, new Loader.Options(3, false, false, 2, 2, 0))) {
            for (int epoch = 0; epoch < 2; epoch++) {
                List<int[]> labels = new ArrayList<>();
                List<float[]> batches = epochImages(loader, epoch, labels);
                assertEquals(3, TestDatasets.indexOf(batches.get(0)[2 * 75]), "image 2 replaced by image 3");
                assertEquals(3 % 4, labels.get(0)[2], "with image 3's label");
            }
            assertEquals(1, loader.problems().skippedCount());
            assertTrue(loader.problems().messages().getFirst().contains("test image 2"));
        }
    }

    @Test void aNewEpochAbandonsTheOldOneAndClosedLoadersRefuse() {
        Loader loader = indexedLoader(20, Set.of(), BadImagePolicy.FAIL, new Loader.Options(2, true, false, 2, 3, 0));
        Iterator<Batch> first = loader.epoch(0);
        first.next();
        Iterator<Batch> second = loader.epoch(1);
        assertFalse(first.hasNext());
        int batches = 0;
        while (second.hasNext()) { second.next(); batches++; }
        assertEquals(10, batches);
        loader.close();
        assertThrows(IllegalStateException.class, () -> loader.epoch(2));
    }
}
