// Weights files: torchvision names, metadata round trip, and refusal of mismatched tensors with the tensor named.
package org.alexnet4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.ImageStatistics;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.PcaLighting;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.nn.Weights;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ModelFilesTest {
    /** A small model description with distinctive statistics and awkward class names (quotes, non-ASCII, comma). */
    public static TrainedModel model(AlexNet.Variant variant, int input) {
        AlexNet.Config config = AlexNet.Config.of(variant).withInputSize(input).withWidthMultiplier(0.0625).withClasses(3);
        int side = input + 5;
        float[] meanImage = new float[3 * side * side];
        for (int i = 0; i < meanImage.length; i++) meanImage[i] = (float) Math.sin(i) / 7;
        ImageStatistics statistics = new ImageStatistics(side, 42, meanImage, new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.5f, 0.25f, 0.125f},
                PcaLighting.IMAGENET, "test:\"quoted\"");
        return new TrainedModel(config, List.of("cat", "dog \"big\"", "ünïcode,comma"), new Preprocessing(side, input, Normalization.MEAN_IMAGE, statistics));
    }

    @Test
    void torchvisionVariantUsesTorchvisionNamesInItsOrder(@TempDir Path dir) throws Exception {
        TrainedModel model = model(AlexNet.Variant.TORCHVISION, 63);
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 3)) {
            Path file = dir.resolve("w.safetensors");
            ModelFiles.save(file, network.weights(), model);
            assertEquals(List.of("features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias", "features.6.weight",
                    "features.6.bias", "features.8.weight", "features.8.bias", "features.10.weight", "features.10.bias",
                    "classifier.1.weight", "classifier.1.bias", "classifier.4.weight", "classifier.4.bias", "classifier.6.weight",
                    "classifier.6.bias", "data.mean_image"), SafeTensors.read(file).names());
        }
    }

    @Test
    void weightsAndDescriptionSurviveARoundTrip(@TempDir Path dir) throws Exception {
        TrainedModel model = model(AlexNet.Variant.BATCHNORM, 67);
        Path file = dir.resolve("w.safetensors");
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 3)) {
            ModelFiles.save(file, network.weights(), model);
            ModelFiles.Contents read = ModelFiles.read(file);
            assertEquals(model.config(), read.model().config());
            assertEquals(model.classNames(), read.model().classNames());
            Preprocessing p = read.model().preprocessing();
            assertEquals(model.preprocessing().side(), p.side());
            assertEquals(Normalization.MEAN_IMAGE, p.normalization());
            assertArrayEquals(model.preprocessing().statistics().meanImage(), p.statistics().meanImage());
            assertArrayEquals(model.preprocessing().statistics().channelStd(), p.statistics().channelStd());
            assertEquals(model.preprocessing().statistics().fingerprint(), p.statistics().fingerprint());
            try (Weights copy = read.load(backend)) {
                for (String name : network.state().keySet()) assertArrayEquals(network.read(name), copy.read(name), name);
                assertTrue(network.state().containsKey("bn1.running_var"), "buffers are saved too");
            }
        }
    }

    @Test
    void theMeanImageIsATensorAndFilesThatHoldItAsBase64MetadataStillLoad(@TempDir Path dir) throws Exception {
        TrainedModel model = model(AlexNet.Variant.PAPER, 67);
        int side = model.preprocessing().side();
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 3)) {
            Path file = dir.resolve("w.safetensors");
            ModelFiles.save(file, network.weights(), model);
            var read = SafeTensors.read(file);
            assertEquals(Shape.of(3, side, side), read.shape("data.mean_image"));
            assertArrayEquals(model.preprocessing().statistics().meanImage(), read.floats("data.mean_image"));
            assertTrue(!read.metadata().containsKey("data.mean_image"), "no base64 copy in the header");

            // As files were written before: the mean image as base64 of little-endian float32 in the metadata.
            ModelFiles.WeightsFile contents = ModelFiles.weightsFile(network.weights(), model);
            Map<String, TensorData> tensors = new LinkedHashMap<>(contents.tensors());
            tensors.remove("data.mean_image");
            Map<String, String> metadata = new LinkedHashMap<>(contents.metadata());
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(3 * side * side * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(model.preprocessing().statistics().meanImage());
            metadata.put("data.mean_image", java.util.Base64.getEncoder().encodeToString(bytes.array()));
            Path old = dir.resolve("old.safetensors");
            SafeTensors.write(old, tensors, metadata);
            assertArrayEquals(model.preprocessing().statistics().meanImage(), ModelFiles.read(old).model().preprocessing().statistics().meanImage());

            tensors.put("data.mean_image", new TensorData(Shape.of(3, side, side - 1), new float[3 * side * (side - 1)]));
            SafeTensors.write(old, tensors, contents.metadata());
            var e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.read(old));
            assertEquals(old + ": tensor 'data.mean_image' has shape " + Shape.of(3, side, side - 1) + "; metadata data.side " + side
                    + " needs (3, " + side + ", " + side + ")", e.getMessage());
        }
    }

    @Test
    void aTensorOfTheWrongShapeIsNamed(@TempDir Path dir) throws Exception {
        TrainedModel model = model(AlexNet.Variant.TORCHVISION, 63);
        Path file = dir.resolve("w.safetensors");
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 3)) {
            Map<String, TensorData> tensors = new LinkedHashMap<>(ModelFiles.weightsFile(network.weights(), model).tensors());
            tensors.put("features.3.weight", new TensorData(Shape.of(2, 2), new float[4]));
            SafeTensors.write(file, tensors, ModelFiles.metadata(model));
            var e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.read(file).load(backend));
            assertTrue(e.getMessage().contains("tensor 'features.3.weight' has shape (2, 2), the torchvision model expects (12, 4, 5, 5)"), e.getMessage());

            tensors.remove("features.3.weight");
            tensors.put("extra", new TensorData(Shape.of(1), new float[1]));
            SafeTensors.write(file, tensors, ModelFiles.metadata(model));
            e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.read(file).load(backend));
            assertTrue(e.getMessage().contains("missing tensors: features.3.weight; unexpected tensors: extra"), e.getMessage());
        }
    }

    @Test
    void aFileWithoutMetadataOrTorchvisionNamesIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, Map.of("w", new TensorData(Shape.of(1), new float[1])), Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.read(file));
        assertTrue(e.getMessage().contains("no alexnet4j metadata"), e.getMessage());
    }

    @Test
    void torchvisionWeightsWithoutMetadataGetImagenetPreprocessing(@TempDir Path dir) throws Exception {
        TrainedModel model = model(AlexNet.Variant.TORCHVISION, 224);
        Path file = dir.resolve("w.safetensors");
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 3)) {
            SafeTensors.write(file, ModelFiles.tensors(network.weights(), AlexNet.Variant.TORCHVISION), Map.of());
            TrainedModel read = ModelFiles.read(file).model();
            assertEquals(model.config(), read.config().withDropout(model.config().dropout()));
            assertEquals(Normalization.CHANNEL_MEAN_STD, read.preprocessing().normalization());
            assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, read.preprocessing().statistics().channelStd());
            assertEquals(List.of("class 0", "class 1", "class 2"), read.classNames());
        }
    }
}
