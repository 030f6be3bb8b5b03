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
            ModelFiles.WeightsFile contents = ModelFiles.weightsFile(network.weights(), model);
            tensors = contents.tensors();
            metadata = contents.metadata();
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
        Path file = withMetadata("zero-std", "data.channel_std", "0.5,0.0,0.125");
        assertFailure(CliRun.of("eval", "--weights", file.toString(), "--synthetic", "4"), Main.EXIT_FAILURE,
                "alexnet4j eval: error: " + file + ": data statistics (metadata data.*): channel std of channel 1 is 0.0; it must be positive");

        file = withRawFloat("nan-mean", ModelFiles.MEAN_IMAGE_TENSOR, 7, Float.NaN);
        assertFailure(CliRun.of("predict", "--weights", file.toString(), image.toString()), Main.EXIT_FAILURE, "alexnet4j predict: error: " + file
                + ": tensor 'data.mean_image' holds 1 non-finite value (the first, NaN at index [0, 0, 7]); every value must be a finite number");
    }

    // ---- sizes beyond what the machine or the JVM can hold -------------------------------------------

    /** The plan's activations alone would be 872 GiB: refused before they or the batch are allocated (the memory free varies). */
    @Test
    void benchWithAHugeBatchIsRefusedInOneLine() {
        CliRun r = CliRun.of("bench", "--backend", "reference", "--batch", "100000");
        assertFailure(r, Main.EXIT_FAILURE, r.err().strip().replaceFirst("(?<=: )[0-9.]+ GiB(?= of memory is available)", "X GiB"),
                "alexnet4j bench: error: cannot allocate 872.2 GiB for a training plan for batches of 100000 (21 activation tensors and two "
                        + "gradient buffers): X GiB of memory is available on this machine (besides the Java heap)");
    }

    @Test
    void aModelTooLargeForOneArenaIsRefusedNamingItsSize() {
        CliRun r = CliRun.of("bench", "--backend", "reference", "--classes", "600000", "--batch", "1");
        assertFailure(r, Main.EXIT_FAILURE, "alexnet4j bench: error: the network has 2,515,068,224 parameters; one arena holds at most 2,147,483,647");
    }

    @Test
    void aModelFileWithAnAbsurdSideIsRefusedNamingTheValueAndTheRange() throws Exception {
        Path file = withMetadata("side-30000", "data.side", "30000");
        assertFailure(CliRun.of("eval", "--weights", file.toString(), "--synthetic", "4"), Main.EXIT_FAILURE,
                "alexnet4j eval: error: " + file + ": metadata 'data.side' is 30000, outside 67..20000 (from the input size to the largest base image side)");
    }

    /** Shapes are checked against the model the file implies before any network is allocated. */
    @Test
    void aTorchvisionFileImplyingMillionsOfClassesIsRefusedNamingTheTensor() throws Exception {
        Map<String, TensorData> torchvision = new LinkedHashMap<>();
        torchvision.put("features.0.weight", new TensorData(org.alexnet4j.tensor.Shape.of(64, 3, 11, 11), new float[64 * 3 * 11 * 11]));
        torchvision.put("classifier.6.weight", new TensorData(org.alexnet4j.tensor.Shape.of(5_000_000, 1), new float[5_000_000]));
        Path file = save("five-million-classes", torchvision, Map.of());
        assertFailure(CliRun.of("predict", "--weights", file.toString(), image.toString()), Main.EXIT_FAILURE,
                "alexnet4j predict: error: " + file + ": tensor 'classifier.6.weight' has shape (5000000, 1), the torchvision model expects (5000000, 4096)");
    }

    // ---- images that cannot be classified ------------------------------------------------------

    @Test
    void predictReportsAnUnreadableImageAndGoesOnWithTheOthers() throws Exception {
        Path notImage = Files.writeString(dir.resolve("notes.png"), "not a png");
        CliRun r = CliRun.of("predict", "--weights", weights.toString(), "--backend", "reference", image.toString(), notImage.toString(), image.toString());
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.toString());
        assertEquals(2, r.out().lines().filter(l -> l.equals(image + ":")).count(), r.toString());
        java.util.List<String> errors = r.err().strip().lines().toList();
        assertEquals(2, errors.size(), r.toString());
        assertTrue(errors.get(0).startsWith("alexnet4j predict: error: " + notImage + ": "), r.toString());
        assertEquals("alexnet4j predict: 1 of 3 images failed", errors.get(1));

        CliRun skipped = CliRun.of("predict", "--weights", weights.toString(), "--backend", "reference", "--bad-images", "skip",
                notImage.toString(), image.toString());
        assertEquals(0, skipped.exitCode(), skipped.toString());
        assertTrue(skipped.out().startsWith(image + ":"), skipped.toString());
        assertTrue(skipped.err().startsWith("alexnet4j predict: skipped " + notImage + ": "), skipped.toString());
        assertTrue(skipped.err().contains("alexnet4j predict: 1 of 2 images skipped"), skipped.toString());
    }

    @Test
    void theImagePixelLimitIsAnOptionOfPredictAndEval() throws Exception {
        assertFailure(CliRun.of("predict", "--weights", weights.toString(), "--backend", "reference", "--max-megapixels", "0.001", image.toString()),
                Main.EXIT_FAILURE, "alexnet4j predict: error: " + image + ": 90x90 = 8,100 pixels, more than the limit of 1,000; raise the limit (--max-megapixels)");
        Path data = dir.resolve("pixel-limit");
        for (String name : new String[] {"a", "b", "c"}) {
            Files.createDirectories(data.resolve(name));
            Files.copy(image, data.resolve(name).resolve("i.png"));
        }
        CliRun r = CliRun.of("eval", "--weights", weights.toString(), "--data", data.toString(), "--backend", "reference", "--max-megapixels", "0.008");
        assertFailure(r, Main.EXIT_FAILURE, "alexnet4j eval: error: " + data.resolve("a").resolve("i.png") + ": 90x90 = 8,100 pixels, more than the limit of 8,000; raise the limit (--max-megapixels)");
        assertEquals(0, CliRun.of("eval", "--weights", weights.toString(), "--data", data.toString(), "--backend", "reference", "--max-megapixels", "0.0081").exitCode());
    }

    @Test
    void predictRefusesAnOutputThatOverflowsInsteadOfPrintingNaN() throws Exception {
        Map<String, TensorData> huge = new LinkedHashMap<>(tensors);
        float[] w = huge.get("fc8.weight").data().clone();
        java.util.Arrays.fill(w, 3e38f);
        huge.put("fc8.weight", new TensorData(huge.get("fc8.weight").shape(), w));
        Path file = save("huge", huge, metadata);
        assertFailure(CliRun.of("predict", "--weights", file.toString(), "--backend", "reference", image.toString()), Main.EXIT_FAILURE,
                "alexnet4j predict: error: " + image + ": the network's output for this image is not finite (class 0: NaN): its weights overflow on this input");
    }

    @Test
    void predictPrintsProbabilitiesThatTellClassesApart() {
        CliRun r = CliRun.of("predict", "--weights", weights.toString(), "--backend", "reference", image.toString());
        assertEquals(0, r.exitCode(), r.toString());
        java.util.List<String> lines = r.out().lines().skip(1).toList();
        assertEquals(3, lines.size(), r.toString());
        for (String line : lines) assertTrue(line.matches(" +\\d+\\.\\d{4}%  .+"), line);
    }

    /** An eval of DIR holding train/ and val/ evaluates DIR/val and says so (not train and val as two classes). */
    @Test
    void evalOfAFolderSplitIntoTrainAndValEvaluatesVal() throws Exception {
        Path data = dir.resolve("split");
        for (String part : new String[] {"train", "val"}) {
            for (String name : new String[] {"a", "b", "c"}) {
                int copies = part.equals("train") ? 2 : 1;
                for (int i = 0; i < copies; i++) Files.createDirectories(data.resolve(part).resolve(name));
                for (int i = 0; i < copies; i++) Files.copy(image, data.resolve(part).resolve(name).resolve(i + ".png"));
            }
        }
        CliRun r = CliRun.of("eval", "--weights", weights.toString(), "--data", data.toString(), "--backend", "reference");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("note: " + data + " holds train/ and val/; evaluating " + data.resolve("val") + "\n"), r.toString());
        assertTrue(r.out().contains(" on 3 images (centre crop)"), r.toString());
    }

    @Test
    void trainSkipsAndCountsUnreadableImagesWhenAskedAndOtherwiseNamesTheFirst() throws Exception {
        Path data = dir.resolve("train-with-bad");
        for (String name : new String[] {"a", "b", "c"}) {
            Files.createDirectories(data.resolve(name));
            for (int i = 0; i < 3; i++) Files.copy(image, data.resolve(name).resolve(i + ".png"));
        }
        Path bad = Files.writeString(data.resolve("b").resolve("3.png"), "not a png");
        String[] tiny = {"train", "--data", data.toString(), "--val-fraction", "0.3", "--epochs", "1", "--batch", "2", "--width", "0.0625",
                "--input", "67", "--backend", "reference", "--loader-threads", "1"};
        CliRun failed = CliRun.of(CliRun.concat(tiny, "--checkpoint-dir", dir.resolve("run-fail").toString()));
        assertEquals(Main.EXIT_FAILURE, failed.exitCode(), failed.toString());
        assertTrue(failed.err().startsWith("alexnet4j train: error: " + bad + ": "), failed.toString());
        assertTrue(failed.err().strip().endsWith("; remove it, or skip bad images (--bad-images skip)"), failed.toString());

        CliRun skipped = CliRun.of(CliRun.concat(tiny, "--checkpoint-dir", dir.resolve("run-skip").toString(), "--bad-images", "skip"));
        assertEquals(0, skipped.exitCode(), skipped.toString());
        assertTrue(skipped.out().contains("skipped 1 unusable file or image (first: " + bad + ": "), skipped.toString());

        CliRun limited = CliRun.of(CliRun.concat(tiny, "--checkpoint-dir", dir.resolve("run-limit").toString(), "--max-megapixels", "0.001"));
        assertEquals(Main.EXIT_FAILURE, limited.exitCode(), limited.toString());
        assertTrue(limited.err().contains(": 90x90 = 8,100 pixels, more than the limit of 1,000; raise the limit (--max-megapixels)"), limited.toString());
    }

    @Test
    void evalSkipsAndCountsUnreadableImagesWhenAskedAndOtherwiseNamesTheFirst() throws Exception {
        Path data = dir.resolve("with-bad");
        for (String name : new String[] {"a", "b", "c"}) {
            Files.createDirectories(data.resolve(name));
            Files.copy(image, data.resolve(name).resolve("good.png"));
        }
        Path bad = Files.writeString(data.resolve("b").resolve("truncated.png"), "\u0089PNG");
        CliRun failed = CliRun.of("eval", "--weights", weights.toString(), "--data", data.toString(), "--backend", "reference");
        assertEquals(Main.EXIT_FAILURE, failed.exitCode(), failed.toString());
        assertTrue(failed.err().startsWith("alexnet4j eval: error: " + bad + ": "), failed.toString());

        CliRun skipped = CliRun.of("eval", "--weights", weights.toString(), "--data", data.toString(), "--backend", "reference", "--bad-images", "skip");
        assertEquals(0, skipped.exitCode(), skipped.toString());
        assertTrue(skipped.out().startsWith("skipped 1 unusable file (first: " + bad + ": "), skipped.toString());
        assertTrue(skipped.out().contains(" on 3 images (centre crop)"), skipped.toString());
    }

    // ---- helpers -------------------------------------------------------------------------------

    static Path save(String name, Map<String, TensorData> tensors, Map<String, String> metadata) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        SafeTensors.write(file, tensors, metadata);
        return file;
    }

    /** The weights file saved again with metadata {@code key} set to {@code value}. */
    static Path withMetadata(String name, String key, String value) throws Exception {
        Map<String, String> changed = new LinkedHashMap<>(metadata);
        changed.put(key, value);
        return save(name, tensors, changed);
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
    static void assertFailure(CliRun r, int code, String line) { assertFailure(r, code, r.err().strip(), line); }

    /** As above, comparing {@code seen} (the error line with its machine-dependent part replaced) with {@code line}. */
    private static void assertFailure(CliRun r, int code, String seen, String line) {
        assertEquals(code, r.exitCode(), r.toString());
        assertEquals(line, seen, r.toString());
        assertFalse(r.err().contains("\tat "), r.toString());
        assertTrue(r.err().strip().lines().count() == 1, r.toString());
    }
}
