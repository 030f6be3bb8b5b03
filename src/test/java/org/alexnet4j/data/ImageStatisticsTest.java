package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStatisticsTest {
    @TempDir Path dir;

    private static void assertSameStatistics(ImageStatistics expected, ImageStatistics actual) {
        assertEquals(expected.side(), actual.side());
        assertEquals(expected.images(), actual.images());
        assertEquals(expected.fingerprint(), actual.fingerprint());
        assertArrayEquals(expected.meanImage(), actual.meanImage());
        assertArrayEquals(expected.channelMean(), actual.channelMean());
        assertArrayEquals(expected.channelStd(), actual.channelStd());
        assertArrayEquals(expected.pca().eigenvalues(), actual.pca().eigenvalues());
        assertArrayEquals(expected.pca().eigenvectors(), actual.pca().eigenvectors());
    }

    @Test void statisticsAreCachedBesideTheDataAndReused() throws IOException {
        ImageFiles.write(ImageFiles.rgb(9, 12, (c, p) -> (p * 13 + c * 50) & 0xFF), "png", dir.resolve("a/1.png"));
        ImageFiles.write(ImageFiles.rgb(10, 10, (c, p) -> (p * 7 + c * 90) & 0xFF), "png", dir.resolve("b/2.png"));
        ImageFolder folder = ImageFolder.open(dir, BadImagePolicy.FAIL);
        BaseImages images = new BaseImages(folder, 8, BadImagePolicy.FAIL, new DataProblems());
        ImageStatistics first = ImageStatistics.loadOrCompute(images, 100, 2);
        List<Path> cached;
        try (var files = Files.list(dir)) { cached = files.filter(p -> p.getFileName().toString().startsWith(".alexnet4j-statistics-8-")).toList(); }
        assertEquals(1, cached.size(), "one cache file");
        assertSameStatistics(first, ImageStatistics.read(cached.getFirst()));
        assertSameStatistics(first, ImageStatistics.loadOrCompute(images, 100, 1));
        assertEquals(2, ImageFolder.open(dir, BadImagePolicy.FAIL).size(), "the cache file is not taken for data");

        byte[] bytes = Files.readAllBytes(cached.getFirst());
        Files.write(cached.getFirst(), java.util.Arrays.copyOf(bytes, bytes.length - 5));
        DataException e = assertThrows(DataException.class, () -> ImageStatistics.read(cached.getFirst()));
        assertTrue(e.getMessage().contains(cached.getFirst().toString()), e.getMessage());
        assertSameStatistics(first, ImageStatistics.loadOrCompute(images, 100, 1));
        assertSameStatistics(first, ImageStatistics.read(cached.getFirst()));

        ImageStatistics stranger = ImageStatistics.compute(new BaseImages(new SyntheticDataset(1, 3, 8), 8, BadImagePolicy.FAIL, new DataProblems()), 100, 1);
        stranger.write(cached.getFirst());
        assertSameStatistics(first, ImageStatistics.loadOrCompute(images, 100, 1));
    }

    @Test void statisticsDoNotDependOnThreadsAndSurviveTheArrayForm() {
        BaseImages images = new BaseImages(new SyntheticDataset(2, 150, 11), 11, BadImagePolicy.FAIL, new DataProblems());
        ImageStatistics one = ImageStatistics.compute(images, 1000, 1), three = ImageStatistics.compute(images, 1000, 3);
        assertSameStatistics(one, three);
        assertSameStatistics(one, ImageStatistics.fromArrays(one.side(), one.images(), one.fingerprint(), one.arrays()));
        assertEquals(40, ImageStatistics.compute(images, 40, 2).images(), "a sample of 40 images");
        assertThrows(DataException.class, () -> ImageStatistics.fromArrays(12, 1, "x", one.arrays()));
    }

    @Test void normalizationPlanes() {
        BaseImages images = new BaseImages(TestDatasets.indexed(3, 2, 1, Set.of()), 2, BadImagePolicy.FAIL, new DataProblems());
        ImageStatistics s = ImageStatistics.compute(images, 10, 1);
        for (int c = 0; c < 3; c++) {
            float mean = (TestDatasets.valueOf(0, c) + TestDatasets.valueOf(1, c) + TestDatasets.valueOf(2, c)) / 3;
            assertEquals(mean, s.meanImage()[c * 4 + 3], 1e-6f);
            assertEquals(mean, s.subtrahend(Normalization.CHANNEL_MEAN)[c * 4 + 1], 1e-6f);
            double variance = 0;
            for (int i = 0; i < 3; i++) variance += Math.pow(TestDatasets.valueOf(i, c) - mean, 2) / 3;
            assertEquals(1 / Math.sqrt(variance), s.scale(Normalization.CHANNEL_MEAN_STD)[c], 1e-3 / Math.sqrt(variance));
            assertEquals(1f, s.scale(Normalization.MEAN_IMAGE)[c]);
            assertEquals(0f, s.subtrahend(Normalization.NONE)[c * 4]);
        }
    }
}
