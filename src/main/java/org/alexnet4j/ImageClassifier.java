// A trained AlexNet loaded once and shared by every thread; obtained from AlexNet4j.load or a finished Training.
package org.alexnet4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.nn.Weights;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.TrainedModel;

/**
 * A trained model: its weights, loaded once onto one backend and frozen there ({@link Weights#freeze}), and what it
 * needs to classify images (class names, preprocessing). Thread-safe. Hand each thread a {@link Predictor}
 * ({@link #newPredictor()}): predictors are cheap (their activations are allocated on first use) and share these
 * weights.
 *
 * <p>Threading: a backend serves one thread at a time, so the forward passes of all predictors of one model
 * take turns on its backend (each pass is itself parallel on the cpu backend's threads or on the GPU), while
 * decoding and preprocessing run in the calling threads at the same time. For more forward passes in
 * parallel, classify batches ({@link Predictor#classify(List, int)}) or load the model once per backend.
 * The {@code classify} and {@code probabilities} methods here are thread-safe shortcuts that borrow an idle
 * centre-crop predictor. Holds native memory: close it (which closes its predictors and its backend).
 */
public final class ImageClassifier implements AutoCloseable {
    private final TrainedModel model;
    private final Backend backend;
    private final Weights weights;
    /** Held around every use of the backend: by predictors, and by close. */
    private final ReentrantLock backendLock = new ReentrantLock();
    private final Set<Predictor> predictors = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedDeque<Predictor> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    private ImageClassifier(TrainedModel model, Backend backend, Weights weights) {
        this.model = model;
        this.backend = backend;
        this.weights = weights;
    }

    /** The model in {@code file} on {@code backend}, which it takes over (closed with it, or now if loading fails). */
    public static ImageClassifier open(ModelFiles.Contents file, Backend backend) {
        try {
            Weights weights = file.load(backend);
            weights.freeze();
            return new ImageClassifier(file.model(), backend, weights);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** The model's configuration, class names and preprocessing. */
    public TrainedModel model() { return model; }

    /** Class names in label order. */
    public List<String> classNames() { return model.classNames(); }

    /** The names of the layers, input to output: what {@link Predictor#features} can return. */
    public List<String> layerNames() { return weights.architecture().layers().stream().map(Layer::name).toList(); }

    /** The model's weights, frozen (for tests in this package). */
    Weights weights() { return weights; }

    /** The backend the model runs on. */
    public Backend backend() { return backend; }

    /** A predictor for one thread, classifying the centre crop. */
    public Predictor newPredictor() { return newPredictor(Predictor.Crops.CENTRE); }

    /** A predictor for one thread, classifying the centre crop or the average of the paper's ten crops. */
    public Predictor newPredictor(Predictor.Crops crops) {
        if (closed) throw new IllegalStateException("the model is closed");
        Predictor predictor = new Predictor(this, model, weights, backendLock, crops);
        predictors.add(predictor);
        return predictor;
    }

    /** Called by a predictor's close. */
    void forget(Predictor predictor) {
        predictors.remove(predictor);
        idle.remove(predictor);
    }

    /** The five most probable classes of {@code image}, most probable first. Thread-safe. */
    public List<Prediction> classify(BufferedImage image) { return borrow(p -> p.classify(image)); }

    /** The {@code k} most probable classes, most probable first. Thread-safe. */
    public List<Prediction> classify(BufferedImage image, int k) { return borrow(p -> p.classify(Images.of(image), k)); }

    /** The {@code k} most probable classes of an image file (JPEG, PNG, BMP, GIF). Thread-safe. */
    public List<Prediction> classify(Path imageFile, int k) { return borrow(p -> p.classify(imageFile, k)); }

    /** The probability of every class (index = label), summing to 1. Thread-safe. */
    public float[] probabilities(BufferedImage image) { return borrow(p -> p.probabilities(Images.of(image))); }

    /** Runs {@code work} on an idle centre-crop predictor (a new one when every one is busy), then returns it to the idle ones. */
    private <T> T borrow(Function<Predictor, T> work) {
        Predictor predictor = idle.poll();
        if (predictor == null) predictor = newPredictor();
        try {
            return work.apply(predictor);
        } finally {
            if (!closed) idle.push(predictor);
        }
    }

    /** Closes every predictor, then frees the weights and the backend. */
    @Override public void close() {
        backendLock.lock();
        try {
            if (closed) return;
            closed = true;
            for (Predictor p : List.copyOf(predictors)) p.close();
            weights.close();
            backend.close();
        } finally {
            backendLock.unlock();
        }
    }
}
