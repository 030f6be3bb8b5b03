// The metadata codec: every key reads back what it wrote, bit for bit, and refuses malformed or out-of-range text naming file and key.
package org.alexnet4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.alexnet4j.data.Normalization;
import org.junit.jupiter.api.Test;

class MetadataTest {
    private static final Metadata.Key<Integer> EPOCH = Metadata.integer("state.epoch", 0);
    private static final Metadata.Key<Long> STEP = Metadata.longInteger("state.step", 0);
    private static final Metadata.Key<Float> RATE = Metadata.single("train.lr");
    private static final Metadata.Key<Double> LOSS = Metadata.decimal("state.loss");
    private static final Metadata.Key<float[]> MEAN = Metadata.floats("data.channel_mean", 3);
    private static final Metadata.Key<Normalization> NORMALIZATION = Metadata.choice("data.normalization", Normalization.class);

    @Test void everyKeyReadsBackWhatItWrote() {
        Metadata written = new Metadata().put(EPOCH, 7).put(STEP, 1L << 40).put(RATE, 0.1f + 0.2f).put(LOSS, Math.PI)
                .put(MEAN, new float[] {0.1f, -0f, Float.MIN_VALUE}).put(NORMALIZATION, Normalization.CHANNEL_MEAN_STD);
        assertEquals("channel_mean_std", written.values().get("data.normalization"));
        Metadata read = new Metadata(Map.copyOf(written.values()), "f.safetensors");
        assertEquals(7, read.get(EPOCH));
        assertEquals(1L << 40, read.get(STEP));
        assertEquals(Float.floatToIntBits(0.1f + 0.2f), Float.floatToIntBits(read.get(RATE)));
        assertEquals(Math.PI, read.get(LOSS));
        assertArrayEquals(new float[] {0.1f, -0f, Float.MIN_VALUE}, read.get(MEAN));
        assertEquals(Normalization.CHANNEL_MEAN_STD, read.get(NORMALIZATION));
    }

    @Test void malformedOrOutOfRangeValuesAreRefusedNamingFileAndKey() {
        for (String[] bad : new String[][] {{"state.epoch", "-5", "an integer >= 0"}, {"state.epoch", " 3", "an integer >= 0"},
                {"state.epoch", "3.0", "an integer >= 0"}, {"state.step", "x", "an integer >= 0"}, {"train.lr", "0.01 ", "a number"},
                {"data.channel_mean", "1,2", "3 finite comma-separated numbers"}, {"data.channel_mean", "1,NaN,2", "3 finite comma-separated numbers"},
                {"data.normalization", "zca", "one of [mean_image, channel_mean, channel_mean_std, none]"}}) {
            Metadata m = new Metadata(Map.of(bad[0], bad[1]), "f.safetensors");
            Metadata.Key<?> key = switch (bad[0]) {
                case "state.epoch" -> EPOCH;
                case "state.step" -> STEP;
                case "train.lr" -> RATE;
                case "data.channel_mean" -> MEAN;
                default -> NORMALIZATION;
            };
            var e = assertThrows(IllegalArgumentException.class, () -> m.get(key));
            assertEquals("f.safetensors: metadata '" + bad[0] + "' is '" + bad[1] + "', expected " + bad[2], e.getMessage());
        }
        var missing = assertThrows(IllegalArgumentException.class, () -> new Metadata(Map.of(), "f.safetensors").get(EPOCH));
        assertEquals("f.safetensors: metadata has no 'state.epoch'", missing.getMessage());
    }
}
