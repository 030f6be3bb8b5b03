package org.alexnet4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * One layer as a forward/backward pair. A layer describes itself (output shape, parameter and buffer
 * specs) without a backend; a {@link Sequential} then binds it to its parameter views and allocates its
 * activations once per batch capacity. Forward keeps what backward needs; backward writes the input
 * gradient and ADDS parameter gradients. A layer belongs to one Sequential, which closes it.
 */
public abstract class Layer implements AutoCloseable {
    private final String name;
    private final List<BatchTensor> activations = new ArrayList<>();
    protected Backend backend;
    /** False for the first layer of a network, whose input gradient nobody reads (conv and linear then skip it). */
    protected boolean inputGradientNeeded = true;

    protected Layer(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("a layer needs a non-empty name without dots, got '" + name + "'");
        this.name = name;
    }

    public final String name() { return name; }

    /** The kind of layer, as PyTorch names it (Conv2d, ReLU, ...). */
    public String type() { return getClass().getSimpleName(); }

    /**
     * The output shape for input shape {@code x} (batch first). Throws {@link org.alexnet4j.tensor.ShapeException}
     * with the shape seen and the shape expected when x does not fit this layer.
     */
    public abstract Shape outputShape(Shape x);

    /** Trainable parameters, by local name ("weight", "bias"), in arena order. */
    public List<ParameterSpec> parameters() { return List.of(); }

    /** Non-trainable state (batch-norm running statistics), by local name. */
    public List<ParameterSpec> buffers() { return List.of(); }

    /** Receives the views of this layer's parameters, gradients and buffers, keyed by local name. */
    protected void bind(Backend backend, Map<String, Tensor> parameters, Map<String, Tensor> gradients, Map<String, Tensor> buffers) {
        this.backend = backend;
    }

    /** Allocates outputs and saved state for inputs of up to {@code maxInput} (batch first); called again when batches grow. */
    protected void allocate(Shape maxInput) {}

    /** A tensor of {@code shape} (batch first, at capacity) that this layer owns until it is closed or reallocated. */
    protected final BatchTensor allocateActivation(Shape shape) {
        BatchTensor t = new BatchTensor(backend, shape);
        activations.add(t);
        return t;
    }

    /** Frees every activation allocated so far (before a reallocation, and on close). */
    protected final void freeActivations() {
        for (BatchTensor t : activations) t.close();
        activations.clear();
    }

    /**
     * y = layer(x). Returns y, which this layer owns (or x itself for an identity). {@code seed} feeds the
     * random layers (dropout) and is fresh for every training step.
     */
    protected abstract Tensor forward(Tensor x, boolean training, long seed);

    /**
     * Writes the gradient of the loss w.r.t. the last forward's input into {@code dx} (shape of that input)
     * and returns it (or returns dy itself, reshaped, for an identity); parameter gradients are added.
     */
    protected abstract Tensor backward(Tensor dy, Tensor dx);

    /** Frees this layer's activations; parameters belong to the Sequential's arenas. */
    @Override public void close() { freeActivations(); }

    @Override public String toString() { return name + " (" + type() + ")"; }
}
