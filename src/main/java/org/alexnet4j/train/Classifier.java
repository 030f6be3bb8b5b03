package org.alexnet4j.train;

import java.util.Iterator;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.data.Batch;
import org.alexnet4j.data.BatchSource;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.BatchTensor;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * Runs a classification network on host batches: copies images in, runs forward, and brings softmax
 * probabilities back. A labelled forward (training, or evaluation with labels) computes the softmax
 * cross-entropy, whose gradient backward() propagates; an unlabelled one ({@link #predict}) is an evaluation
 * forward that ends in softmax, with no loss. Its tensors are allocated for the largest batch seen and reused.
 */
public final class Classifier implements AutoCloseable {
    private final Sequential network;
    private final int classes;
    private BatchTensor input, probabilities, logitGradient;
    private float[] hostProbabilities = new float[0];
    private int[] labels = new int[0];
    private int batch;

    public Classifier(Sequential network) {
        this.network = network;
        Shape output = network.architecture().outputShape(1);
        if (output.rank() != 2) throw new IllegalArgumentException("a classifier needs logits (N, classes), the network gives " + output);
        this.classes = output.dim(1);
    }

    public Sequential network() { return network; }

    public int classes() { return classes; }

    /** Copies the labelled batch in, runs forward, and returns the mean softmax cross-entropy loss of the batch. */
    public float forward(Batch batch, boolean training) {
        int n = batch.size();
        Tensor logits = forward(batch.images(), n, training);
        if (labels.length != n) labels = new int[n];
        System.arraycopy(batch.labels(), 0, labels, 0, n);
        return network.backend().softmaxCrossEntropyForward(probabilities.batch(n), logits, labels);
    }

    /**
     * An evaluation forward of the first {@code n} images of {@code images} ((n, input dims...) row-major),
     * ending in softmax: their probabilities, as {@link #probabilities()} returns them. No labels, no loss;
     * {@link #backward()} and {@link #labels()} need a labelled forward.
     */
    public float[] predict(float[] images, int n) {
        Tensor logits = forward(images, n, false);
        labels = new int[0];
        network.backend().softmaxForward(probabilities.batch(n), logits);
        return probabilities();
    }

    /** Copies n images in and returns the network's logits. */
    private Tensor forward(float[] images, int n, boolean training) {
        ensureCapacity(n);
        Tensor x = input.batch(n);
        network.backend().copyFromHost(x, images, 0);
        this.batch = n;
        return network.forward(x, training);
    }

    /** Back-propagates the loss of the last training forward into the network's gradient arena. */
    public void backward() {
        if (labels.length != batch) throw new IllegalStateException("backward needs a labelled training forward first");
        Tensor dLogits = logitGradient.batch(batch);
        network.backend().softmaxCrossEntropyBackward(dLogits, probabilities.batch(batch), labels);
        network.backward(dLogits);
    }

    /**
     * The last forward's softmax probabilities, (n, classes) row-major in the first n * classes elements of
     * an array that later calls reuse (it may be longer after a smaller batch).
     */
    public float[] probabilities() {
        network.backend().copyToHost(hostProbabilities, 0, probabilities.batch(batch));
        return hostProbabilities;
    }

    /** The labels of the last forward (exactly n of them). */
    public int[] labels() { return labels; }

    /** Loss, top-1 and top-5 of the network in evaluation mode over every batch of {@code source}'s epoch {@code epoch}. */
    public Score evaluate(BatchSource source, int epoch) {
        Metrics metrics = new Metrics(classes);
        Iterator<Batch> batches = source.epoch(epoch);
        while (batches.hasNext()) {
            Batch b = batches.next();
            float loss = forward(b, false);
            metrics.add(probabilities(), labels, b.size(), loss);
        }
        return metrics.score();
    }

    private void ensureCapacity(int n) {
        if (input != null && n <= input.capacity()) return;
        close();
        input = new BatchTensor(network.backend(), Architecture.withBatch(network.architecture().input(), n));
        probabilities = new BatchTensor(network.backend(), Shape.of(n, classes));
        logitGradient = new BatchTensor(network.backend(), Shape.of(n, classes));
        hostProbabilities = HostLimits.floats("the probabilities of a batch of " + n + " images of " + classes + " classes", (long) n * classes);
    }

    @Override public void close() {
        if (input == null) return;
        input.close();
        probabilities.close();
        logitGradient.close();
        input = null;
    }
}
