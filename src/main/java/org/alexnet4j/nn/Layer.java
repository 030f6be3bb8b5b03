package org.alexnet4j.nn;

import java.util.List;
import org.alexnet4j.tensor.Shape;

/**
 * One layer, described: its name, its output shape for an input shape, and the specs of its parameters and
 * buffers. Immutable and free of any backend, so one layer serves any number of networks at once. Its
 * runtime, a forward/backward pair with activations, is the {@link Stage} a {@link Plan} makes with
 * {@link #stage(Stage.Context)}.
 */
public abstract class Layer {
    private final String name;

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

    /**
     * Whether this layer can apply a ReLU that follows it as its output is stored; a plan then runs the two
     * as one (see {@link Stage.Context#fusedWithNextRelu()}).
     */
    protected boolean appliesFollowingRelu() { return false; }

    /** This layer's runtime in a plan: bound to the context's weight views, with activations for its largest input. */
    protected abstract Stage stage(Stage.Context context);

    @Override public String toString() { return name + " (" + type() + ")"; }
}
