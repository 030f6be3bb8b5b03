// Classifies single images with a trained model: the same preprocessing as its evaluation, then top-k classes.
package org.alexnet4j.run;

import java.util.ArrayList;
import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.ImagePipeline;
import org.alexnet4j.data.RgbImage;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.train.Classifier;
import org.alexnet4j.train.Metrics;

/**
 * Holds a network on a backend and turns an image (any size, RGB in [0, 1]) into class probabilities:
 * shorter side resized to the model's base side, central square, centre crop (or the paper's ten crops,
 * whose probabilities are averaged), normalized with the training-set statistics. Not thread-safe.
 */
public final class Predictor implements AutoCloseable {
    /** One class of a prediction: label index, name, probability in [0, 1]. */
    public record Prediction(int label, String className, float probability) {}

    private final TrainedModel model;
    private final Sequential network;
    private final Classifier classifier;
    private final ImagePipeline pipeline;
    /** The network inputs of one image: its crops, (crops, 3, inputSize, inputSize). */
    private final float[] inputs;

    public Predictor(ModelFiles.Weights weights, Backend backend, boolean tenCrop) {
        this.model = weights.model();
        this.network = weights.create(backend);
        this.classifier = new Classifier(network);
        this.pipeline = model.preprocessing().evaluationPipeline(tenCrop);
        this.inputs = new float[pipeline.cropsPerImage() * pipeline.inputFloats()];
    }

    public TrainedModel model() { return model; }

    /** Class probabilities of {@code image}, averaged over the crops; index = label. Throws when they are not finite. */
    public float[] probabilities(RgbImage image) {
        RgbImage base = pipeline.base(image);
        pipeline.render(base, 0, 0, 0, inputs, 0);
        int classes = model.config().classes(), crops = pipeline.cropsPerImage();
        float[] all = classifier.predict(inputs, crops);
        float[] average = new float[classes];
        for (int c = 0; c < crops; c++) for (int j = 0; j < classes; j++) average[j] += all[c * classes + j] / crops;
        Metrics.requireFinite(average, 0, classes, "this image");
        return average;
    }

    /** The {@code k} most probable classes of {@code image}, most probable first (ties: lower label first). */
    public List<Prediction> top(RgbImage image, int k) {
        float[] p = probabilities(image);
        List<Integer> order = new ArrayList<>();
        for (int j = 0; j < p.length; j++) order.add(j);
        order.sort((a, b) -> p[a] != p[b] ? Float.compare(p[b], p[a]) : Integer.compare(a, b));
        List<Prediction> top = new ArrayList<>();
        for (int j : order.subList(0, Math.min(k, p.length))) top.add(new Prediction(j, model.classNames().get(j), p[j]));
        return top;
    }

    @Override public void close() {
        classifier.close();
        network.close();
    }
}
