package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataTest {
    @Test void syntheticTrainingDataGivesNormalizedBatchesOfTheInputSize() {
        TrainingData.Settings settings = TrainingData.Settings.paper(15, 4, 2, 3);
        assertEquals(17, settings.side(), "15 * 256 / 227 = 16.9");
        try (TrainingData data = TrainingData.open(DataSources.synthetic(3, 10, 6, settings.side()), settings)) {
            assertEquals(SyntheticDataset.CLASS_NAMES, data.classNames());
            assertEquals(8, data.training().imagesPerEpoch(), "last partial training batch dropped");
            assertEquals(6, data.validation().imagesPerEpoch(), "every validation image kept");
            assertEquals(17, data.statistics().side());
            assertEquals(10, data.statistics().images());
            Iterator<Batch> it = data.training().epoch(0);
            Batch batch = it.next();
            assertEquals(Shape.of(4, 3, 15, 15), batch.shape());
            double sum = 0;
            for (int i = 0; i < batch.shape().size(); i++) sum += batch.images()[i];
            assertTrue(Math.abs(sum / batch.shape().size()) < 0.2, "mean-subtracted inputs average near 0, got " + sum / batch.shape().size());
            Batch last = null;
            for (Iterator<Batch> v = data.validation().epoch(0); v.hasNext(); ) last = v.next();
            assertEquals(Shape.of(2, 3, 15, 15), last.shape());
        }
    }

    /** An image folder with a stray text file and images smaller than the base side: both reported. */
    @Test void imageFolderProblemsAreReportedTogether(@TempDir Path root) throws IOException {
        for (int i = 0; i < 6; i++) ImageFiles.write(ImageFiles.rgb(9 + i, 12, (c, p) -> (p * (c + 3)) & 0xFF), "png", root.resolve((i % 2 == 0 ? "cat" : "dog") + "/" + i + ".png"));
        Files.writeString(root.resolve("dog/readme.txt"), "x");
        TrainingData.Settings settings = TrainingData.Settings.paper(9, 2, 1, 1).withSide(11).withPolicy(BadImagePolicy.SKIP);
        DataSplit split = DataSources.imageFolder(root, 0.34, 1, new ImageReading(BadImagePolicy.SKIP, ImageDecoder.DEFAULT_MAX_PIXELS));
        int small = 0;
        for (int i = 0; i < split.training().size(); i++) {
            if (split.training().describe(i).endsWith("0.png") || split.training().describe(i).endsWith("1.png")) small++;
        }
        try (TrainingData data = TrainingData.open(split, settings)) {
            assertEquals(java.util.List.of("cat", "dog"), data.classNames());
            assertEquals(1, data.problems().skippedCount(), data.problems().summary());
            assertTrue(data.problems().summary().contains("readme.txt"), data.problems().summary());
            assertEquals(small, data.problems().upscaledCount(), "the 9- and 10-pixel-high training images were upscaled to 11: " + data.problems().summary());
            assertTrue(small > 0, "the split keeps a small image for training");
        }
    }
}
