package org.alexnet4j.nn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;

/**
 * A chain of layers checked against an input shape, without a backend: the shape after every layer and
 * the tables of parameters and buffers. Immutable: what a model summary reads and what {@link Weights} and
 * {@link Plan}s are built from, any number of times.
 */
public final class Architecture {
    private final Shape input;
    private final List<Layer> layers;
    private final List<Shape> outputs;
    private final ParameterTable parameters, buffers;

    /**
     * @param input one item's shape without the batch dimension, e.g. (3, 227, 227)
     * @throws ShapeException naming the first layer the shapes do not fit, with the shape seen and expected
     */
    public Architecture(Shape input, List<Layer> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("a network needs at least one layer");
        this.input = input;
        this.layers = List.copyOf(layers);
        Set<String> names = new HashSet<>();
        List<Shape> shapes = new ArrayList<>();
        List<ParameterSpec> parameterSpecs = new ArrayList<>(), bufferSpecs = new ArrayList<>();
        Shape x = withBatch(input, 1);
        for (Layer layer : this.layers) {
            if (!names.add(layer.name())) throw new IllegalArgumentException("two layers are named " + layer.name());
            x = outputShape(layer, x);
            shapes.add(x);
            layer.parameters().forEach(p -> parameterSpecs.add(p.qualified(layer.name())));
            layer.buffers().forEach(b -> bufferSpecs.add(b.qualified(layer.name())));
        }
        this.outputs = List.copyOf(shapes);
        this.parameters = new ParameterTable(parameterSpecs);
        this.buffers = new ParameterTable(bufferSpecs);
    }

    /** {@code layer}'s output for input {@code x}; a ShapeException is re-thrown with the layer's name in front. */
    static Shape outputShape(Layer layer, Shape x) {
        try {
            return layer.outputShape(x);
        } catch (ShapeException e) {
            throw new ShapeException("layer " + layer + ": " + e.getMessage());
        }
    }

    /** (n, dims of item...). */
    public static Shape withBatch(Shape item, int n) {
        int[] dims = new int[item.rank() + 1];
        dims[0] = n;
        System.arraycopy(item.dims(), 0, dims, 1, item.rank());
        return Shape.of(dims);
    }

    /** One item's input shape, without the batch dimension. */
    public Shape input() { return input; }

    public List<Layer> layers() { return layers; }

    /** The position of the layer called {@code name}; throws listing the names when there is none. */
    public int index(String name) {
        for (int i = 0; i < layers.size(); i++) if (layers.get(i).name().equals(name)) return i;
        throw new IllegalArgumentException("no layer named '" + name + "'; layers: "
                + String.join(", ", layers.stream().map(Layer::name).toList()));
    }

    /** The output shape of layer {@code i} for a batch of {@code n}. */
    public Shape outputShape(int i, int n) { return outputs.get(i).withBatch(n); }

    /** The input shape of layer {@code i} for a batch of {@code n}. */
    public Shape inputShape(int i, int n) { return i == 0 ? withBatch(input, n) : outputShape(i - 1, n); }

    /** The network's output (logits) for a batch of {@code n}. */
    public Shape outputShape(int n) { return outputShape(layers.size() - 1, n); }

    /** Trainable parameters, named {@code <layer>.<name>}, in layer order: the layout of the parameter, gradient and velocity arenas. */
    public ParameterTable parameters() { return parameters; }

    /** Non-trainable buffers (batch-norm running statistics), same naming: the layout of the buffer arena. */
    public ParameterTable buffers() { return buffers; }

    /** The number of elements in every parameter of layer {@code i}. */
    public long parameterCount(int i) {
        return layers.get(i).parameters().stream().mapToLong(p -> p.shape().size()).sum();
    }
}
