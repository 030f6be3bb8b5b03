// Inference on one thread over weights that many threads share: preprocessed inputs in, probabilities, logits or layer outputs out.
package org.alexnet4j.run;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.BatchTensor;
import org.alexnet4j.nn.Plan;
import org.alexnet4j.nn.Weights;
import org.alexnet4j.tensor.Tensor;

/**
 * One thread's inference with shared {@link Weights}: an inference {@link Plan} of its own, recompiled only
 * when a batch is larger than any before or a layer output is asked for the first time, and the input and
 * probability tensors. Every backend call happens while holding {@code backendLock}, which every user of the
 * weights' backend shares (a backend serves one thread at a time), so many Inference objects may run at once
 * on one backend: their host-side work overlaps, their backend work takes turns. Not itself thread-safe.
 */
public final class Inference implements AutoCloseable {
    private final Weights weights;
    private final Lock backendLock;
    private final Architecture architecture;
    private final String lastLayer;
    /** The layer outputs the plan keeps: every one asked for so far, and the last layer once logits were. */
    private final Set<String> kept = new LinkedHashSet<>();
    private Plan plan;
    private BatchTensor input, probabilities;
    private boolean closed;

    public Inference(Weights weights, Lock backendLock) {
        this.weights = weights;
        this.backendLock = backendLock;
        this.architecture = weights.architecture();
        this.lastLayer = architecture.layers().getLast().name();
    }

    public Architecture architecture() { return architecture; }

    /** Floats of one input: the architecture's input shape, e.g. 3 x 227 x 227. */
    public int inputFloats() { return Math.toIntExact(architecture.input().size()); }

    /** Softmax probabilities of the first n inputs of {@code inputs} ((n, input dims...) row-major): (n, classes) row-major. */
    public float[] probabilities(float[] inputs, int n) {
        return run(inputs, n, List.of(), true, true).get(lastLayer);
    }

    /** The logits (the last layer's output before softmax) of n inputs: (n, classes) row-major. */
    public float[] logits(float[] inputs, int n) {
        return run(inputs, n, List.of(), true, false).get(lastLayer);
    }

    /** The outputs of {@code layers} (names) for n inputs, each (n, that layer's output dims...) row-major, in the order asked. */
    public Map<String, float[]> outputs(float[] inputs, int n, List<String> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("name at least one layer; layers: " + String.join(", ", names()));
        return run(inputs, n, layers, false, false);
    }

    private List<String> names() { return architecture.layers().stream().map(org.alexnet4j.nn.Layer::name).toList(); }

    private Map<String, float[]> run(float[] inputs, int n, List<String> layers, boolean logits, boolean softmax) {
        if (n < 1) throw new IllegalArgumentException("need at least one input, got " + n);
        long floats = (long) n * inputFloats();
        if (inputs.length < floats) {
            throw new IllegalArgumentException(n + " inputs of " + architecture.input() + " need " + floats + " floats, given " + inputs.length);
        }
        layers.forEach(architecture::index); // unknown names fail here, listing the known ones
        backendLock.lock();
        try {
            if (closed) throw new IllegalStateException("this inference (or its model) is closed");
            Backend backend = weights.backend();
            prepare(n, layers, logits);
            Tensor x = input.batch(n);
            backend.copyFromHost(x, inputs, 0);
            Tensor last = plan.forward(x, false, 0, 0);
            Map<String, float[]> results = new LinkedHashMap<>();
            for (String layer : layers) results.put(layer, host(backend, plan.output(layer)));
            if (softmax) {
                Tensor p = probabilities.batch(n);
                backend.softmaxForward(p, last);
                results.put(lastLayer, host(backend, p));
            } else if (logits) {
                results.put(lastLayer, host(backend, last));
            }
            return results;
        } finally {
            backendLock.unlock();
        }
    }

    /** Recompiles the plan if it is too small for n or does not keep what is asked for. */
    private void prepare(int n, List<String> layers, boolean logits) {
        boolean grows = kept.addAll(layers) | (logits && kept.add(lastLayer));
        if (plan != null && !grows && n <= plan.capacity()) return;
        int capacity = Math.max(n, plan == null ? 0 : plan.capacity());
        release();
        plan = Plan.inference(weights, capacity, kept);
        input = new BatchTensor(weights.backend(), Architecture.withBatch(architecture.input(), capacity));
        probabilities = new BatchTensor(weights.backend(), architecture.outputShape(capacity));
    }

    private static float[] host(Backend backend, Tensor t) {
        float[] values = new float[Math.toIntExact(t.size())];
        backend.copyToHost(values, 0, t);
        return values;
    }

    private void release() {
        if (plan != null) plan.close();
        if (input != null) input.close();
        if (probabilities != null) probabilities.close();
        plan = null;
        input = probabilities = null;
    }

    /** Frees the plan and tensors; the weights belong to their owner. */
    @Override public void close() {
        backendLock.lock();
        try {
            closed = true;
            release();
        } finally {
            backendLock.unlock();
        }
    }
}
