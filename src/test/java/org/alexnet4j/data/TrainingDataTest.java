package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

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
}
