package org.alexnet4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * A network compiled for one use: weights on a backend, a batch capacity, training or inference, and the
 * layer outputs its user reads. It owns every layer's {@link Stage} (activations allocated once, reused for
 * every batch of up to the capacity), the two buffers backward alternates between, and the fusion of a
 * convolution with the ReLU after it, which is skipped where the convolution's own output is requested.
 * An inference plan runs the layers up to the deepest requested output (all of them when none is).
 * Not thread-safe: one plan serves one thread; several plans may share one {@link Weights}.
 */
public final class Plan implements AutoCloseable {
    private final Weights weights;
    private final Architecture architecture;
    /** The gradient arena (layout of the parameters) that backward fills; null in an inference plan. */
    private final Tensor gradientArena;
    private final int capacity;
    private final boolean training;
    private final Set<String> outputs;
    private final List<Stage> stages = new ArrayList<>();
    private final List<BatchTensor> activations = new ArrayList<>();
    /** Each stage's output in the last forward (identities pass their input on). */
    private final Tensor[] lastOutputs;
    /** Two buffers, each as large as the largest layer input, that backward alternates between for data gradients (training only). */
    private final Tensor[] gradientScratch = new Tensor[2];
    private int lastBatch;
    private boolean lastForwardTraining;

    private Plan(Weights weights, Tensor gradientArena, int capacity, Set<String> outputs) {
        this.weights = weights;
        this.architecture = weights.architecture();
        this.gradientArena = gradientArena;
        this.capacity = capacity;
        this.training = gradientArena != null;
        Map<String, Tensor> gradients = training ? architecture.parameters().views(gradientArena) : null;
        this.outputs = Set.copyOf(outputs);
        if (capacity < 1) throw new IllegalArgumentException("a plan needs a batch capacity >= 1, got " + capacity);
        List<Layer> layers = architecture.layers();
        int end = layers.size();
        if (!outputs.isEmpty()) end = outputs.stream().mapToInt(architecture::index).max().getAsInt() + 1;
        this.lastOutputs = new Tensor[end];
        try {
            long largestItem = 0;
            for (int i = 0; i < end; i++) {
                Layer layer = layers.get(i);
                Shape input = architecture.inputShape(i, capacity);
                boolean fused = fusesWithNext(i, end);
                Stage.Context context = new Stage.Context(weights.backend(), input, local(weights.parameters(), layer),
                        gradients == null ? null : local(gradients, layer), local(weights.buffers(), layer), i > 0, fused,
                        i > 0 && fusesWithNext(i - 1, end), activations);
                stages.add(layer.stage(context));
                largestItem = Math.max(largestItem, input.itemSize());
            }
            Shape scratch = Shape.of(capacity, Math.toIntExact(largestItem));
            long bytes = activations.stream().mapToLong(BatchTensor::bytes).sum() + (training ? 2 * scratch.size() * Float.BYTES : 0);
            weights.backend().requireMemory((training ? "a training" : "an inference") + " plan for batches of " + capacity
                    + " (" + activations.size() + " activation tensors" + (training ? " and two gradient buffers" : "") + ")", bytes);
            activations.forEach(BatchTensor::allocate);
            if (training) {
                for (int j = 0; j < 2; j++) gradientScratch[j] = weights.backend().allocate(scratch);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A plan for training (and evaluation) forwards and backward, which fills {@code gradientArena} (the parameters' layout). */
    public static Plan training(Weights weights, Tensor gradientArena, int capacity) {
        if (gradientArena == null) throw new IllegalArgumentException("a training plan needs a gradient arena");
        return new Plan(weights, gradientArena, capacity, Set.of());
    }

    /** A plan for evaluation forwards that keeps {@code outputs} (layer names) readable; none: the whole network, logits only. */
    public static Plan inference(Weights weights, int capacity, Set<String> outputs) {
        return new Plan(weights, null, capacity, outputs);
    }

    /** Whether layer i applies the ReLU after it (also in this plan): it can, and its own output is not requested. */
    private boolean fusesWithNext(int i, int end) {
        List<Layer> layers = architecture.layers();
        return i + 1 < end && layers.get(i).appliesFollowingRelu() && layers.get(i + 1) instanceof ReLU && !outputs.contains(layers.get(i).name());
    }

    /** The views of {@code layer}'s entries, keyed by their local names ("weight" for "conv1.weight"). */
    private static Map<String, Tensor> local(Map<String, Tensor> views, Layer layer) {
        String prefix = layer.name() + ".";
        Map<String, Tensor> local = new LinkedHashMap<>();
        views.forEach((name, view) -> { if (name.startsWith(prefix)) local.put(name.substring(prefix.length()), view); });
        return local;
    }

    public Weights weights() { return weights; }

    /** The largest batch this plan takes. */
    public int capacity() { return capacity; }

    public boolean training() { return training; }

    /**
     * Runs the plan's layers on {@code x}, (N, input dims...) with N <= capacity, and returns the last one's
     * output (the logits for a whole network), valid until the next forward. A training forward uses batch
     * statistics and dropout, layer i drawing its mask with the seed bits(bits(seed, i), step).
     */
    public Tensor forward(Tensor x, boolean training, long seed, long step) {
        if (training && !this.training) throw new IllegalStateException("an inference plan runs evaluation forwards only");
        Shape expected = Architecture.withBatch(architecture.input(), x.shape().dim(0));
        if (!x.shape().equals(expected)) {
            throw new ShapeException("layer " + architecture.layers().getFirst() + ": expected network input (N, "
                    + architecture.input().toString().substring(1) + ", got " + x.shape());
        }
        int n = x.shape().dim(0);
        if (n > capacity) throw new IllegalArgumentException("a batch of " + n + " does not fit a plan compiled for " + capacity);
        for (int i = 0; i < stages.size(); i++) {
            x = stages.get(i).forward(x, training, CounterRng.bits(CounterRng.bits(seed, i), step));
            lastOutputs[i] = x;
        }
        lastBatch = n;
        lastForwardTraining = training;
        return x;
    }

    /** The output of layer {@code name} in the last forward; the layer must be one this plan was compiled to keep. */
    public Tensor output(String name) {
        if (!outputs.contains(name)) throw new IllegalArgumentException("layer " + name + " is not an output of this plan; its outputs: " + outputs);
        if (lastBatch == 0) throw new IllegalStateException("no forward has run yet");
        return lastOutputs[architecture.index(name)];
    }

    /**
     * Back-propagates {@code dLogits} (N, classes) through the last forward, which must have been a training
     * one: zeroes the gradient arena, then every layer in reverse adds its parameter gradients.
     */
    public void backward(Tensor dLogits) {
        if (!training) throw new IllegalStateException("an inference plan has no backward");
        if (!lastForwardTraining) throw new IllegalStateException("backward needs a training forward first (the last forward was " + (lastBatch == 0 ? "none" : "in evaluation mode") + ")");
        dLogits.shape().require(architecture.outputShape(lastBatch), "dLogits");
        weights.backend().fill(gradientArena, 0);
        Tensor dy = dLogits;
        int holder = -1; // which scratch buffer holds dy (-1: neither)
        for (int i = stages.size() - 1; i >= 0; i--) {
            int free = holder == 0 ? 1 : 0;
            Tensor dx = gradientScratch[free].view(0, architecture.inputShape(i, lastBatch));
            Tensor result = stages.get(i).backward(dy, dx);
            if (result == dx) holder = free;
            dy = result;
        }
    }

    /** Frees the activations and the gradient buffers; the weights belong to their owner. */
    @Override public void close() {
        activations.forEach(BatchTensor::close);
        activations.clear();
        for (Tensor t : gradientScratch) if (t != null) t.close();
    }
}
