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
 * Runs a network in training on labelled host batches: copies images in, runs forward, the softmax
 * cross-entropy (whose gradient backward() propagates) and brings probabilities back; evaluates on a labelled
 * source. Its tensors are allocated for the largest batch seen and reused. Inference without labels, which
 * ends in softmax and computes no loss, is {@link org.alexnet4j.run.Inference}.
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
        ensureCapacity(n);
        Tensor x = input.batch(n);
        network.backend().copyFromHost(x, batch.images(), 0);
        this.batch = n;
        Tensor logits = network.forward(x, training);
        if (labels.length != n) labels = new int[n];
        System.arraycopy(batch.labels(), 0, labels, 0, n);
        return network.backend().softmaxCrossEntropyForward(probabilities.batch(n), logits, labels);
    }

    /** Back-propagates the loss of the last training forward into the network's gradient arena. */
    public void backward() {
        if (batch == 0) throw new IllegalStateException("backward needs a training forward first");
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
