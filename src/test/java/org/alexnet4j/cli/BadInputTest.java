// Bad input on the command line: each case exits with its code and one line naming the input, never a stack trace.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.SyntheticDataset;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.ModelFilesTest;
import org.alexnet4j.run.TrainSettings;
import org.alexnet4j.run.TrainedModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    @TempDir static Path dir;
    /** An untrained 3-class paper model of input 67 at width 1/16: its tensors and metadata, and the file they make. */
    static Map<String, TensorData> tensors;
    static Map<String, String> metadata;
    static Path weights, image;

    @BeforeAll
    static void smallModelAndImage() throws Exception {
        TrainedModel model = ModelFilesTest.model(AlexNet.Variant.PAPER, 67);
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 3)) {
            tensors = ModelFiles.tensors(network, AlexNet.Variant.PAPER);
            metadata = ModelFiles.metadata(model);
        }
        weights = save("weights", tensors, metadata);
        image = dir.resolve("shape.png");
        javax.imageio.ImageIO.write(Images.toBufferedImage(new SyntheticDataset(TrainSettings.DataChoice.Synthetic.DATA_SEED, 3, 90).image(2)),
                "png", image.toFile());
    }

    // ---- non-finite numbers ------------------------------------------------------------------

    @Test
    void aWeightsFileWithANaNParameterIsRefusedNamingTheTensor() throws Exception {
        Path file = withRawFloat("nan-weight", "fc8.weight", 5, Float.NaN);
        for (String command : new String[] {"eval", "predict"}) {
            CliRun r = command.equals("eval") ? CliRun.of("eval", "--weights", file.toString(), "--synthetic", "4", "--backend", "reference")
                    : CliRun.of("predict", "--weights", file.toString(), "--backend", "reference", image.toString());
            assertFailure(r, Main.EXIT_FAILURE, "alexnet4j " + command + ": error: " + file + ": tensor 'fc8.weight' holds 1 non-finite value (the first, NaN at index [0, 5]); every value must be a finite number");
        }
    }

    @Test
    void aNaNMeanImageOrAZeroChannelStdInAModelFileIsRefused() throws Exception {
        Map<String, String> zeroStd = new LinkedHashMap<>(metadata);
        zeroStd.put("data.channel_std", "0.5,0.0,0.125");
        Path file = save("zero-std", tensors, zeroStd);
        assertFailure(CliRun.of("eval", "--weights", file.toString(), "--synthetic", "4"), Main.EXIT_FAILURE,
                "alexnet4j eval: error: " + file + ": data statistics (metadata data.*): channel std of channel 1 is 0.0; it must be positive");

        Map<String, String> nanMean = new LinkedHashMap<>(metadata);
        byte[] mean = java.util.Base64.getDecoder().decode(metadata.get("data.mean_image"));
        ByteBuffer.wrap(mean).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 7, Float.NaN);
        nanMean.put("data.mean_image", java.util.Base64.getEncoder().encodeToString(mean));
        file = save("nan-mean", tensors, nanMean);
        assertFailure(CliRun.of("predict", "--weights", file.toString(), image.toString()), Main.EXIT_FAILURE,
                "alexnet4j predict: error: " + file + ": data statistics (metadata data.*): mean image value 7 is NaN; statistics must be finite");
    }

    // ---- helpers -------------------------------------------------------------------------------

    static Path save(String name, Map<String, TensorData> tensors, Map<String, String> metadata) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        SafeTensors.write(file, tensors, metadata);
        return file;
    }

    /** A copy of the weights file with element {@code index} of {@code tensor} overwritten in the file's bytes (the writer refuses non-finite values). */
    static Path withRawFloat(String name, String tensor, int index, float value) throws Exception {
        byte[] bytes = Files.readAllBytes(weights);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) b.getLong(0);
        String header = new String(bytes, 8, headerLength, java.nio.charset.StandardCharsets.UTF_8);
        int at = header.indexOf("\"" + tensor + "\"");
        int offsets = header.indexOf("\"data_offsets\":[", at) + "\"data_offsets\":[".length();
        long begin = Long.parseLong(header.substring(offsets, header.indexOf(',', offsets)));
        b.putFloat((int) (8 + headerLength + begin + 4L * index), value);
        Path file = dir.resolve(name + ".safetensors");
        Files.write(file, bytes);
        return file;
    }

    /** Exit code {@code code}, exactly the line {@code line} on stderr, no stack trace. */
    static void assertFailure(CliRun r, int code, String line) {
        assertEquals(code, r.exitCode(), r.toString());
        assertEquals(line, r.err().strip(), r.toString());
        assertFalse(r.err().contains("\tat "), r.toString());
        assertTrue(r.err().strip().lines().count() == 1, r.toString());
    }
}
