// The embedding API: load weights and classify a BufferedImage in a few lines.
package org.alexnet4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.Predictor;
import org.alexnet4j.run.TrainedModel;
import org.alexnet4j.run.EpochRecord;
import org.alexnet4j.data.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingApiTest {
    @Test
    void trainingOnAnImageFolderWritesWeightsThatLoadWithTheFolderClasses(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("shapes");
        SyntheticDataset shapes = new SyntheticDataset(3, 40, 80);
        for (int i = 0; i < 24; i++) {
            if (shapes.label(i) > 1) continue; // disk and square: i = 0, 1, 10, 11, 20, 21 ...
            Path file = folder.resolve(shapes.classNames().get(shapes.label(i))).resolve(i + ".png");
            java.nio.file.Files.createDirectories(file.getParent());
            javax.imageio.ImageIO.write(org.alexnet4j.cli.Images.toBufferedImage(shapes.image(i)), "png", file.toFile());
        }
        List<EpochRecord> epochs = new java.util.ArrayList<>();
        Training.Result result = AlexNet4j.training(folder).backend("reference", 1).variant("paper").inputSize(67)
                .widthMultiplier(0.0625).epochs(1).batchSize(2).runDirectory(dir.resolve("run")).onEpoch(epochs::add).run();
        assertEquals(1, result.history().size());
        assertEquals(result.history(), epochs);
        try (ImageClassifier classifier = AlexNet4j.load(result.weights(), "reference")) {
            assertEquals(List.of("disk", "square"), classifier.classNames());
        }
    }

    @Test
    void classifyReturnsTheTopFiveOfTheNetworksProbabilities(@TempDir Path dir) throws Exception {
        TrainedModel model = org.alexnet4j.run.ModelFilesTest.model(AlexNet.Variant.PAPER, 67);
        model = new TrainedModel(model.config().withClasses(7), List.of("a", "b", "c", "d", "e", "f", "g"), model.preprocessing());
        Path file = dir.resolve("w.safetensors");
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 5)) {
            ModelFiles.save(file, network, model);
        }
        BufferedImage image = new BufferedImage(90, 80, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 80; y++) for (int x = 0; x < 90; x++) image.setRGB(x, y, (x * 2 << 16) | (y * 3 << 8) | ((x + y) % 256));

        float[] expected;
        try (Backend backend = Backends.create("reference"); Predictor predictor = new Predictor(ModelFiles.read(file), backend, false)) {
            expected = predictor.probabilities(ImageDecoder.toRgb(image, "test"));
        }
        try (ImageClassifier classifier = AlexNet4j.load(file, "reference")) {
            List<Prediction> top = classifier.classify(image);
            assertEquals(5, top.size());
            for (int i = 0; i < 5; i++) {
                Prediction p = top.get(i);
                assertEquals(expected[p.label()], p.probability());
                assertEquals(classifier.classNames().get(p.label()), p.className());
                if (i > 0) assertTrue(p.probability() <= top.get(i - 1).probability());
            }
            for (int label = 0; label < 7; label++) {
                final int l = label;
                if (top.stream().noneMatch(p -> p.label() == l)) assertTrue(expected[label] <= top.getLast().probability());
            }
            double sum = 0;
            for (float p : classifier.probabilities(image)) sum += p;
            assertEquals(1.0, sum, 1e-5, "softmax probabilities sum to 1 (float32 rounding of 7 terms)");
            assertThrows(IllegalArgumentException.class, () -> classifier.classify(image, 0));
        }
    }
}
