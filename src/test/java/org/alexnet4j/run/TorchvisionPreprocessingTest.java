package org.alexnet4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.data.ImagePipeline;
import org.alexnet4j.data.Resampler;
import org.alexnet4j.data.Resizing;
import org.alexnet4j.data.RgbImage;
import org.alexnet4j.io.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * torchvision weights see torchvision's preprocessing: on the committed test images (src/test/resources/preprocessing,
 * made by tools/make_preprocessing_fixtures.py with torchvision 0.14 and Pillow 9.4), the 224 x 224 crop is the
 * 8-bit crop torchvision makes, pixel for pixel, and the normalized network input matches the transform's output
 * to float32 rounding (torchvision divides by the standard deviation, alexnet4j multiplies by its inverse).
 */
class TorchvisionPreprocessingTest {
    private static final int SIDE = 256, INPUT = 224;

    private static Path directory() throws URISyntaxException { return Path.of(TorchvisionPreprocessingTest.class.getResource("/preprocessing").toURI()); }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> manifest() throws Exception {
        return (Map<String, Object>) Json.parse(Files.readString(directory().resolve("manifest.json")));
    }

    @SuppressWarnings("unchecked")
    static Stream<String> images() throws Exception { return ((Map<String, Object>) manifest().get("images")).keySet().stream(); }

    /** The centre crop of {@code image}'s base image as {@code resizing} makes it, in 8-bit levels. */
    private static int[] centreCrop(RgbImage image, Resizing resizing) {
        RgbImage base = resizing.base(image, SIDE, INPUT);
        var centre = resizing.centre(SIDE, INPUT);
        return levels(Resampler.crop(base, centre.top(), centre.left(), INPUT, INPUT));
    }

    private static int[] levels(RgbImage image) {
        float[] pixels = image.pixels();
        int[] levels = new int[pixels.length];
        for (int i = 0; i < pixels.length; i++) levels[i] = Math.round(pixels[i] * 255);
        return levels;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void theCropIsTorchvisionsPixelForPixel(String name) throws Exception {
        RgbImage image = ImageDecoder.decode(directory().resolve(name + ".png"));
        int[] expected = levels(ImageDecoder.decode(directory().resolve(name + ".crop.png")));
        assertArrayEquals(expected, centreCrop(image, Resizing.TORCHVISION), name);
        if (!name.equals("square")) {
            int[] paper = centreCrop(image, Resizing.PAPER);
            int worst = 0;
            for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(paper[i] - expected[i]));
            assertTrue(worst > 4, name + ": alexnet4j's own resizing differs visibly (" + worst + "/255), which is why the convention matters");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    @SuppressWarnings("unchecked")
    void theNormalizedInputIsTorchvisionsOutput(String name) throws Exception {
        Map<String, Object> entry = (Map<String, Object>) ((Map<String, Object>) manifest().get("images")).get(name);
        ImagePipeline pipeline = Preprocessing.imagenet(INPUT).evaluationPipeline(false);
        float[] input = new float[pipeline.inputFloats()];
        pipeline.render(pipeline.base(ImageDecoder.decode(directory().resolve(name + ".png"))), 0, 0, 0, input, 0);
        List<Object> indices = (List<Object>) entry.get("indices"), values = (List<Object>) entry.get("values");
        for (int k = 0; k < indices.size(); k++) {
            int i = ((Number) indices.get(k)).intValue();
            assertEquals(((Number) values.get(k)).doubleValue(), input[i], 1e-6, name + " value " + i);
        }
        double sum = 0;
        for (float v : input) sum += v;
        assertEquals(((Number) entry.get("sum")).doubleValue(), sum, 1e-2, name + " sum of the input");
    }

    /** A model file remembers how its images are resized; files without the entry are read as alexnet4j's own. */
    @org.junit.jupiter.api.Test void theResizingIsSavedWithTheModel() {
        TrainedModel model = ModelFilesTest.model(org.alexnet4j.model.AlexNet.Variant.TORCHVISION, INPUT);
        for (Resizing resizing : Resizing.values()) {
            Preprocessing p = model.preprocessing();
            TrainedModel saved = new TrainedModel(model.config(), model.classNames(),
                    new Preprocessing(p.side(), p.inputSize(), p.normalization(), p.statistics(), resizing));
            Map<String, String> metadata = ModelFiles.metadata(saved);
            Map<String, org.alexnet4j.io.TensorData> meanImage = Map.of(ModelFiles.MEAN_IMAGE_TENSOR, new org.alexnet4j.io.TensorData(
                    org.alexnet4j.tensor.Shape.of(3, p.side(), p.side()), p.statistics().meanImage()));
            assertEquals(resizing, ModelFiles.model(new Metadata(metadata, "w.safetensors"), meanImage).preprocessing().resizing());
            Map<String, String> older = new java.util.LinkedHashMap<>(metadata);
            older.remove("data.resizing");
            assertEquals(Resizing.PAPER, ModelFiles.model(new Metadata(older, "w.safetensors"), meanImage).preprocessing().resizing());
        }
    }

    @org.junit.jupiter.api.Test void everyImageHasItsCrop() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(directory())) {
            assertEquals(10, files.filter(p -> p.toString().endsWith(".png")).count());
        }
    }
}
