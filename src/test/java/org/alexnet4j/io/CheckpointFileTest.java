// Checkpoint files: round trip, and refusal of damaged, truncated and foreign files with a clear message.
package org.alexnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.run.CheckpointDirectory;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFileTest {
    private static Map<String, TensorData> tensors() {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("conv1.weight", new TensorData(Shape.of(2, 3), new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 7}));
        t.put("conv1.bias", new TensorData(Shape.of(2), new float[] {0.25f, -1e-30f}));
        return t;
    }

    @Test
    void roundTripKeepsEveryBitAndTheMetadata(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.safetensors");
        CheckpointFile.write(file, tensors(), Map.of("epoch", "3"));
        CheckpointFile.Contents read = CheckpointFile.read(file);
        assertEquals(List.copyOf(tensors().keySet()), List.copyOf(read.tensors().keySet()));
        for (var e : tensors().entrySet()) {
            assertEquals(e.getValue().shape(), read.tensors().get(e.getKey()).shape());
            assertArrayEquals(e.getValue().data(), read.tensors().get(e.getKey()).data());
        }
        assertEquals(Map.of("epoch", "3"), read.metadata());
    }

    @Test
    void aFlippedDataByteIsRefusedByTheChecksum(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.safetensors");
        CheckpointFile.write(file, tensors(), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x10; // inside the last float of conv1.bias
        Files.write(file, bytes);
        var e = assertThrows(SafeTensorsException.class, () -> CheckpointFile.read(file));
        assertTrue(e.getMessage().contains("damaged") && e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void anEditedMetadataValueIsRefusedByTheChecksum(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.safetensors");
        CheckpointFile.write(file, tensors(), Map.of("state.epoch", "3", "train.lr", "0.01"));
        String bytes = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String[] edit : new String[][] {{"\"state.epoch\":\"3\"", "\"state.epoch\":\"7\""}, {"\"train.lr\":\"0.01\"", "\"train.lr\":\"0.50\""}}) {
            assertTrue(bytes.contains(edit[0]), edit[0]);
            Path edited = dir.resolve("edited.safetensors");
            Files.writeString(edited, bytes.replace(edit[0], edit[1]), java.nio.charset.StandardCharsets.ISO_8859_1);
            var e = assertThrows(SafeTensorsException.class, () -> CheckpointFile.read(edited));
            assertTrue(e.getMessage().startsWith("checkpoint " + edited + " is damaged or was edited"), e.getMessage());
        }
    }

    @Test
    void aCheckpointOfAnotherFormatVersionIsRefusedNamingBoth(@TempDir Path dir) throws Exception {
        for (String old : List.of("alexnet4j-checkpoint-1", "alexnet4j-checkpoint-2")) {
            Path file = dir.resolve(old + ".safetensors");
            SafeTensors.write(file, tensors(), Map.of("format", old, "crc32c", "0"));
            var e = assertThrows(SafeTensorsException.class, () -> CheckpointFile.read(file));
            assertEquals(file + " is a checkpoint of format '" + old + "'; this version of alexnet4j reads 'alexnet4j-checkpoint-3' only"
                    + " (continue that run with the version that wrote it, or start a new one)", e.getMessage());
        }
    }

    @Test
    void aTruncatedFileIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.safetensors");
        CheckpointFile.write(file, tensors(), Map.of());
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) { c.truncate(c.size() - 5); }
        var e = assertThrows(SafeTensorsException.class, () -> CheckpointFile.read(file));
        assertTrue(e.getMessage().contains("incomplete"), e.getMessage());
    }

    @Test
    void aPlainWeightsFileIsNotACheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, tensors(), Map.of());
        var e = assertThrows(SafeTensorsException.class, () -> CheckpointFile.read(file));
        assertTrue(e.getMessage().contains("not an alexnet4j checkpoint"), e.getMessage());
    }

    @Test
    void directoryKeepsTheNewestKAndIgnoresOtherFiles(@TempDir Path dir) throws Exception {
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir, 2);
        Files.writeString(dir.resolve(".checkpoint-s000000009.safetensors.123.tmp"), "partial");
        Files.writeString(dir.resolve("notes.txt"), "x");
        for (long step : new long[] {5, 10, 1000, 20}) checkpoints.save(step, tensors(), Map.of());
        assertEquals(List.of(checkpoints.pathFor(20), checkpoints.pathFor(1000)), checkpoints.list());
        assertEquals(checkpoints.pathFor(1000), checkpoints.latest().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> new CheckpointDirectory(dir, 0));
    }
}
