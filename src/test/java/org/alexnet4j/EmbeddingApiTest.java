// The embedding API: one model shared by threads, a predictor per thread, batches, feature extraction, raw inputs.
package org.alexnet4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.RgbImage;
import org.alexnet4j.data.SyntheticDataset;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.run.EpochRecord;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.ModelFilesTest;
import org.alexnet4j.run.TrainedModel;
import org.junit.jupiter.api.BeforeAll;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding API on a small random paper-variant model (7 classes, input 67) and 12 generated images of
 * several sizes. The methods marked README hold the code the README's Embedding section shows; a test checks
 * that the README shows exactly that code.
 */
class EmbeddingApiTest {
    private static final int CLASSES = 7, THREADS = 4;
    @TempDir static Path dir;
    static Path weightsFile;
    static List<Path> imageFiles = new ArrayList<>();

    @BeforeAll static void modelAndImages() throws Exception {
        TrainedModel model = ModelFilesTest.model(AlexNet.Variant.PAPER, 67);
        model = new TrainedModel(model.config().withClasses(CLASSES), List.of("a", "b", "c", "d", "e", "f", "g"), model.preprocessing());
        weightsFile = dir.resolve("w.safetensors");
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 5)) {
            ModelFiles.save(weightsFile, network.weights(), model);
        }
        SyntheticDataset shapes = new SyntheticDataset(3, 40, 80);
        for (int i = 0; i < 12; i++) {
            RgbImage image = shapes.image(i);
            BufferedImage b = org.alexnet4j.cli.Images.toBufferedImage(image);
            if (i % 3 == 1) b = b.getSubimage(0, 0, 80, 61); // landscape
            if (i % 3 == 2) b = b.getSubimage(0, 0, 57, 80); // portrait, smaller than the base side
            Path file = dir.resolve("image" + i + ".png");
            ImageIO.write(b, "png", file.toFile());
            imageFiles.add(file);
        }
    }

    static Map<Path, List<Prediction>> classifyOnThreads(Path weightsFile, List<List<Path>> shares) throws Exception {
        // README: one model, a predictor per thread
        Map<Path, List<Prediction>> answers = new ConcurrentHashMap<>();
        try (ImageClassifier model = AlexNet4j.load(weightsFile)) {        // weights loaded once, shared by all threads
            List<Thread> workers = new ArrayList<>();
            for (List<Path> share : shares) {                              // one share of the images per thread
                workers.add(Thread.ofPlatform().start(() -> {
                    try (Predictor predictor = model.newPredictor()) {     // cheap: its own activations, the model's weights
                        for (Path image : share) answers.put(image, predictor.classify(image));
                    }
                }));
            }
            for (Thread worker : workers) worker.join();
        }
        // README end
        return answers;
    }

    static List<List<Prediction>> classifyBatch(Path weightsFile, List<Path> imageFiles) throws Exception {
        // README: batch classification
        LoadOptions options = LoadOptions.defaults().withBackend("cpu").withThreads(2);
        try (ImageClassifier model = AlexNet4j.load(weightsFile, options); Predictor predictor = model.newPredictor()) {
            List<RgbImage> batch = new ArrayList<>();
            for (Path file : imageFiles) batch.add(Images.read(file));
            return predictor.classify(batch, 5);                           // the top 5 of each, in one forward pass
        }
        // README end
    }

    static Map<String, float[]> extractFeatures(Path weightsFile, Path imageFile) throws Exception {
        // README: feature extraction
        try (ImageClassifier model = AlexNet4j.load(weightsFile); Predictor predictor = model.newPredictor()) {
            return predictor.features(Images.read(imageFile), "pool5", "relu7");  // relu7: the penultimate features
        }
        // README end
    }

    @Test void nThreadsOnOneModelGiveTheAnswersOfOneThread() throws Exception {
        List<List<Path>> shares = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) shares.add(new ArrayList<>());
        for (int i = 0; i < imageFiles.size(); i++) shares.get(i % THREADS).add(imageFiles.get(i));
        Map<Path, List<Prediction>> threaded = classifyOnThreads(weightsFile, shares);
        assertEquals(imageFiles.size(), threaded.size(), "every image answered");
        try (ImageClassifier model = AlexNet4j.load(weightsFile); Predictor predictor = model.newPredictor()) {
            for (Path image : imageFiles) assertEquals(predictor.classify(image), threaded.get(image), image.toString());
        }
    }

    @Test void aBatchGetsTheAnswersOfSingleImagesAndFilesStreamsBytesAndBufferedImagesAgree() throws Exception {
        List<List<Prediction>> batch = classifyBatch(weightsFile, imageFiles);
        try (ImageClassifier model = AlexNet4j.load(weightsFile, "cpu"); Predictor predictor = model.newPredictor()) {
            for (int i = 0; i < imageFiles.size(); i++) {
                Path file = imageFiles.get(i);
                List<Prediction> one = predictor.classify(file);
                assertEquals(5, one.size());
                for (int k = 0; k < 5; k++) {
                    assertEquals(one.get(k).label(), batch.get(i).get(k).label(), file + " rank " + k);
                    assertEquals(one.get(k).probability(), batch.get(i).get(k).probability(), 1e-6, file + " rank " + k);
                    if (k > 0) assertTrue(one.get(k).probability() <= one.get(k - 1).probability());
                    assertEquals(model.classNames().get(one.get(k).label()), one.get(k).className());
                }
                if (i >= 3) continue;
                try (InputStream in = Files.newInputStream(file)) { assertEquals(one, predictor.classify(in)); }
                assertEquals(one, predictor.classify(Files.readAllBytes(file)));
                assertEquals(one, predictor.classify(ImageIO.read(file.toFile())));
                assertEquals(one, model.classify(ImageIO.read(file.toFile())), "the model's thread-safe shortcut");
            }
            assertThrows(IllegalArgumentException.class, () -> predictor.classify(Images.read(imageFiles.getFirst()), 0));
            assertThrows(IllegalArgumentException.class, () -> predictor.classify(List.of(), 5));
        }
    }

    /** relu7 is what fc8 sees (drop7 is the identity at inference): fc8's weights applied to it give the logits. */
    @Test void featuresAreTheLayerOutputsTheLogitsComeFrom() throws Exception {
        Map<String, float[]> features = extractFeatures(weightsFile, imageFiles.get(1));
        ModelFiles.Contents file = ModelFiles.read(weightsFile);
        AlexNet.Config config = file.model().config();
        var architecture = AlexNet.architecture(config);
        assertEquals(architecture.outputShape(architecture.index("pool5"), 1).size(), features.get("pool5").length);
        float[] relu7 = features.get("relu7"), w = file.tensors().get("fc8.weight").data(), b = file.tensors().get("fc8.bias").data();
        assertEquals(config.fcWidth(), relu7.length);
        boolean positive = false;
        for (float v : relu7) {
            assertTrue(v >= 0, "relu7 " + v);
            positive |= v > 0;
        }
        assertTrue(positive);
        try (ImageClassifier model = AlexNet4j.load(weightsFile); Predictor predictor = model.newPredictor()) {
            float[] logits = predictor.logits(predictor.inputs(List.of(Images.read(imageFiles.get(1)))), 1);
            for (int k = 0; k < CLASSES; k++) {
                double sum = b[k];
                for (int i = 0; i < relu7.length; i++) sum += (double) w[k * relu7.length + i] * relu7[i];
                assertEquals(sum, logits[k], 1e-4 * Math.max(1, Math.abs(sum)), "logit " + k);
            }
        }
    }

    /**
     * Raw inputs in, logits out; softmax of those is classify's answer; ten crops average the crops' probabilities; the
     * loaded weights are frozen.
     */
    @Test void rawInputsGiveLogitsAndTenCropsAverageTheirCrops() throws Exception {
        RgbImage image = Images.read(imageFiles.get(2));
        try (ImageClassifier model = AlexNet4j.load(weightsFile, "cpu"); Predictor centre = model.newPredictor();
             Predictor ten = model.newPredictor(Predictor.Crops.TEN)) {
            assertArrayEquals(softmaxAverage(centre.logits(centre.inputs(List.of(image)), 1), 1), centre.probabilities(image), 1e-6f);
            float[] inputs = ten.inputs(List.of(image));
            assertEquals(10 * 3 * 67 * 67, inputs.length);
            float[] average = softmaxAverage(ten.logits(inputs, 10), 10), probabilities = ten.probabilities(image);
            assertArrayEquals(average, probabilities, 1e-6f);
            double sum = 0;
            for (float p : probabilities) sum += p;
            assertEquals(1, sum, 1e-5);
            float[] bias = model.weights().read("fc8.bias");
            assertThrows(IllegalStateException.class, () -> model.weights().write("fc8.bias", Shape.of(bias.length), new float[bias.length]),
                    "a loaded model's weights are frozen");
            assertArrayEquals(bias, model.weights().read("fc8.bias"));
            model.close();
            assertThrows(IllegalStateException.class, () -> centre.classify(image), "a closed model's predictors are closed");
        }
    }

    private static float[] softmaxAverage(float[] logits, int rows) {
        float[] average = new float[CLASSES];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < CLASSES; j++) max = Math.max(max, logits[r * CLASSES + j]);
            for (int j = 0; j < CLASSES; j++) sum += Math.exp(logits[r * CLASSES + j] - max);
            for (int j = 0; j < CLASSES; j++) average[j] += (float) (Math.exp(logits[r * CLASSES + j] - max) / sum / rows);
        }
        return average;
    }

    /** The README's Embedding section shows the code of the README methods above, verbatim. */
    @Test void theReadmeShowsTheCodeTheseTestsRun() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/alexnet4j/EmbeddingApiTest.java"));
        String readme = Files.readString(Path.of("README.md"));
        String embedding = readme.substring(readme.indexOf("## Embedding"), readme.indexOf("\n## ", readme.indexOf("## Embedding") + 1));
        Matcher m = Pattern.compile("// README: ([^\\n]*)\\n(.*?)\\n\\s*// README end", Pattern.DOTALL).matcher(source);
        int snippets = 0;
        while (m.find()) {
            String code = m.group(2).stripIndent().strip();
            assertTrue(embedding.contains("// " + m.group(1) + "\n" + code), "the README's Embedding section should show:\n// " + m.group(1) + "\n" + code);
            snippets++;
        }
        assertEquals(3, snippets);
    }

    @Test
    void trainingOnAnImageFolderWritesWeightsThatLoadWithTheFolderClasses(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("shapes");
        SyntheticDataset shapes = new SyntheticDataset(3, 40, 80);
        for (int i = 0; i < 24; i++) {
            if (shapes.label(i) > 1) continue; // disk and square: i = 0, 1, 10, 11, 20, 21 ...
            Path file = folder.resolve(shapes.classNames().get(shapes.label(i))).resolve(i + ".png");
            Files.createDirectories(file.getParent());
            ImageIO.write(org.alexnet4j.cli.Images.toBufferedImage(shapes.image(i)), "png", file.toFile());
        }
        List<EpochRecord> epochs = new ArrayList<>();
        Training.Result result = AlexNet4j.training(folder).backend("reference", 1).variant("paper").inputSize(67)
                .widthMultiplier(0.0625).epochs(1).batchSize(2).runDirectory(dir.resolve("run")).onEpoch(epochs::add).run();
        assertEquals(1, result.history().size());
        assertEquals(result.history(), epochs);
        try (ImageClassifier classifier = AlexNet4j.load(result.weights(), "reference")) {
            assertEquals(List.of("disk", "square"), classifier.classNames());
        }
    }
}
