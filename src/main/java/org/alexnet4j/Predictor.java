// One thread's classifier over a shared model: images (decoded, or as files, streams or bytes) in, predictions out.
package org.alexnet4j;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.alexnet4j.data.ImagePipeline;
import org.alexnet4j.data.RgbImage;
import org.alexnet4j.nn.Weights;
import org.alexnet4j.run.Inference;
import org.alexnet4j.run.TrainedModel;
import org.alexnet4j.train.Metrics;

/**
 * Classifies images (decoded with {@link Images}, or as files, streams, bytes) with its model's preprocessing (base image, centre crop or ten crops, normalization) and
 * weights. Made by {@link ImageClassifier#newPredictor}; cheap: an inference plan of its own, allocated for the
 * largest batch it has seen. Meant for one thread; calls from several threads are safe but take turns.
 * Ask for layer outputs with {@link #features}; feed raw network inputs with {@link #logits(float[], int)}.
 * A result that is not finite (weights that overflow on an input) throws ArithmeticException, never answers.
 */
public final class Predictor implements AutoCloseable {
    /** Which crops of an image are classified: the centre one, or the paper's ten (corners, centre, mirrored), whose probabilities are averaged. */
    public enum Crops { CENTRE, TEN }

    private final ImageClassifier owner;
    private final TrainedModel model;
    private final ImagePipeline pipeline;
    private final Inference inference;
    private final int classes;

    Predictor(ImageClassifier owner, TrainedModel model, Weights weights, Lock backendLock, Crops crops) {
        this.owner = owner;
        this.model = model;
        this.pipeline = model.preprocessing().evaluationPipeline(crops == Crops.TEN);
        this.inference = new Inference(weights, backendLock);
        this.classes = model.config().classes();
    }

    // ---- images in ------------------------------------------------------------------------------

    /** The five most probable classes of an image file (JPEG, PNG, BMP, GIF), most probable first. */
    public List<Prediction> classify(Path imageFile) { return classify(Images.read(imageFile), 5); }

    /** The {@code k} most probable classes of an image file, most probable first. */
    public List<Prediction> classify(Path imageFile, int k) { return classify(Images.read(imageFile), k); }

    /** The five most probable classes of an encoded image read from {@code stream} (left open). */
    public List<Prediction> classify(InputStream stream) { return classify(Images.read(stream), 5); }

    /** The five most probable classes of an encoded image (the bytes of a JPEG, PNG, BMP or GIF file). */
    public List<Prediction> classify(byte[] encoded) { return classify(Images.read(encoded), 5); }

    /** The five most probable classes of {@code image}. */
    public List<Prediction> classify(BufferedImage image) { return classify(Images.of(image), 5); }

    /** The five most probable classes of a decoded image (RGB in [0, 1], any size). */
    public List<Prediction> classify(RgbImage image) { return classify(image, 5); }

    /** The {@code k} most probable classes of a decoded image, most probable first (ties: lower label first). */
    public List<Prediction> classify(RgbImage image, int k) { return classify(List.of(image), k).getFirst(); }

    /** The {@code k} most probable classes of each image, in one forward pass for the whole list. */
    public List<List<Prediction>> classify(List<RgbImage> images, int k) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        List<List<Prediction>> all = new ArrayList<>();
        for (float[] p : probabilities(images)) all.add(top(p, k));
        return all;
    }

    /** The probability of every class of {@code image} (index = label), averaged over its crops; they sum to 1. */
    public float[] probabilities(RgbImage image) { return probabilities(List.of(image)).getFirst(); }

    /** The class probabilities of each image, in one forward pass for the whole list. */
    public List<float[]> probabilities(List<RgbImage> images) {
        int crops = pipeline.cropsPerImage();
        float[] all = inference.probabilities(inputs(images), images.size() * crops);
        List<float[]> result = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            float[] average = new float[classes];
            for (int c = 0; c < crops; c++) for (int j = 0; j < classes; j++) average[j] += all[(i * crops + c) * classes + j] / crops;
            Metrics.requireFinite(average, 0, classes, images.size() == 1 ? "this image" : "image " + i + " of the list");
            result.add(average);
        }
        return result;
    }

    /**
     * The outputs of {@code layers} (see {@link ImageClassifier#layerNames()}) for each image, in one forward
     * pass: per layer, (images x crops, that layer's output dims...) row-major, the crops of an image together.
     * Feature extraction, e.g. {@code features(images, "relu7")} for AlexNet's 4096-wide penultimate features.
     */
    public Map<String, float[]> features(List<RgbImage> images, String... layers) {
        return inference.outputs(inputs(images), images.size() * pipeline.cropsPerImage(), List.of(layers));
    }

    /** The outputs of {@code layers} for one image (its crops together). */
    public Map<String, float[]> features(RgbImage image, String... layers) { return features(List.of(image), layers); }

    // ---- network inputs in ------------------------------------------------------------------------

    /**
     * The network inputs {@code images} become: each image's crops, (images x crops, 3, inputSize, inputSize)
     * row-major, preprocessed exactly as classify preprocesses them.
     */
    public float[] inputs(List<RgbImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images to classify");
        int perImage = pipeline.cropsPerImage() * pipeline.inputFloats();
        float[] inputs = new float[Math.multiplyExact(images.size(), perImage)];
        for (int i = 0; i < images.size(); i++) pipeline.render(pipeline.base(images.get(i)), 0, 0, 0, inputs, i * perImage);
        return inputs;
    }

    /** The logits (before softmax) of {@code n} raw network inputs, (n, 3, inputSize, inputSize) row-major: (n, classes) row-major. */
    public float[] logits(float[] inputs, int n) {
        float[] logits = inference.logits(inputs, n);
        for (int i = 0; i < n; i++) Metrics.requireFinite(logits, i * classes, classes, "input " + i);
        return logits;
    }

    /** The model this predictor runs. */
    public TrainedModel model() { return model; }

    private List<Prediction> top(float[] p, int k) {
        Integer[] order = new Integer[p.length];
        for (int j = 0; j < p.length; j++) order[j] = j;
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Float.compare(p[b], p[a]) : Integer.compare(a, b));
        List<Prediction> top = new ArrayList<>();
        for (int j = 0; j < Math.min(k, p.length); j++) top.add(new Prediction(model.classNames().get(order[j]), order[j], p[order[j]]));
        return top;
    }

    /** Frees this predictor's plan; the model stays open. */
    @Override public void close() {
        inference.close();
        owner.forget(this);
    }
}
