package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {
    @TempDir Path dir;

    /** Record r of file f: label (f + r) mod 10, byte k of the 3072 pixel bytes = (k * 7 + r + f * 3) mod 256. */
    private static byte[] records(int file, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int r = 0; r < count; r++) {
            out.write((file + r) % 10);
            for (int k = 0; k < 3072; k++) out.write((k * 7 + r + file * 3) & 0xFF);
        }
        return out.toByteArray();
    }

    private void writeAll() throws IOException {
        for (int f = 1; f <= 5; f++) Files.write(dir.resolve("data_batch_" + f + ".bin"), records(f, f));
        Files.write(dir.resolve("test_batch.bin"), records(0, 3));
    }

    @Test void recordsDecodeToLabelsAndPlanarPixels() throws IOException {
        writeAll();
        Cifar10 training = Cifar10.training(dir);
        assertEquals(1 + 2 + 3 + 4 + 5, training.size());
        assertEquals(Cifar10.STANDARD_CLASSES, training.classNames());
        int index = 0;
        for (int f = 1; f <= 5; f++) {
            for (int r = 0; r < f; r++, index++) {
                assertEquals((f + r) % 10, training.label(index), training.describe(index));
                RgbImage image = training.image(index);
                for (int k : new int[] {0, 31, 32, 1023, 1024, 2047, 2048, 3071}) {
                    int c = k / 1024, y = k % 1024 / 32, x = k % 32;
                    assertEquals(((k * 7 + r + f * 3) & 0xFF) / 255f, image.pixels()[image.index(c, y, x)], "byte " + k + " of " + training.describe(index));
                }
            }
        }
        assertTrue(training.describe(2).endsWith("data_batch_2.bin record 1"), training.describe(2));
        assertEquals(3, Cifar10.test(dir).size());
    }

    @Test void classNamesComeFromTheMetaFile() throws IOException {
        writeAll();
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), Cifar10.test(dir).classNames());
    }

    @Test void truncatedMissingAndMislabelledFilesFailNamingTheFile() throws IOException {
        writeAll();
        byte[] one = records(0, 2);
        Files.write(dir.resolve("test_batch.bin"), java.util.Arrays.copyOf(one, one.length - 1));
        DataException truncated = assertThrows(DataException.class, () -> Cifar10.test(dir));
        assertTrue(truncated.getMessage().contains("test_batch.bin") && truncated.getMessage().contains("6145 bytes"), truncated.getMessage());

        Files.delete(dir.resolve("data_batch_3.bin"));
        assertTrue(assertThrows(DataException.class, () -> Cifar10.training(dir)).getMessage().contains("data_batch_3.bin not found"));

        byte[] bad = records(0, 2);
        bad[3073] = 12;
        Files.write(dir.resolve("test_batch.bin"), bad);
        DataException label = assertThrows(DataException.class, () -> Cifar10.test(dir));
        assertTrue(label.getMessage().contains("record 1") && label.getMessage().contains("label 12"), label.getMessage());

        assertThrows(DataException.class, () -> Cifar10.test(dir.resolve("absent")));
    }
}
