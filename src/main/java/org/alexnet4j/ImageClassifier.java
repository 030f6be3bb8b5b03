// A trained AlexNet ready to classify images; obtained from AlexNet4j.load or a finished Training.
package org.alexnet4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.data.RgbImage;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.Predictor;

/**
 * Classifies images with the preprocessing the model was trained with (resize, centre crop, mean
 * subtraction). Holds native memory: close it. Not thread-safe; use one per thread.
 */
public final class ImageClassifier implements AutoCloseable {
    private final Backend backend;
    private final Predictor predictor;

    ImageClassifier(ModelFiles.Weights weights, Backend backend) {
        this.backend = backend;
        this.predictor = new Predictor(weights, backend, false);
    }

    /** Class names in label order. */
    public List<String> classNames() { return predictor.model().classNames(); }

    /** The five most probable classes, most probable first. */
    public List<Prediction> classify(BufferedImage image) { return classify(image, 5); }

    /** The {@code k} most probable classes, most probable first. */
    public List<Prediction> classify(BufferedImage image, int k) {
        return top(ImageDecoder.toRgb(image, "image"), k);
    }

    /** The {@code k} most probable classes of an image file (JPEG, PNG, BMP, GIF). */
    public List<Prediction> classify(Path imageFile, int k) {
        return top(ImageDecoder.decode(imageFile), k);
    }

    /** The probability of every class (index = label), summing to 1. */
    public float[] probabilities(BufferedImage image) {
        return predictor.probabilities(ImageDecoder.toRgb(image, "image"));
    }

    private List<Prediction> top(RgbImage image, int k) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        return predictor.top(image, k).stream().map(p -> new Prediction(p.className(), p.label(), p.probability())).toList();
    }

    /** Frees the network and its backend. */
    @Override public void close() {
        predictor.close();
        backend.close();
    }
}
