package org.alexnet4j.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * A chain of layers on one backend. Owns ONE parameter arena, ONE gradient arena and ONE velocity arena
 * (each a single allocation split into named views at the offsets of {@link Architecture#parameters()}),
 * a buffer arena for non-trainable state, and the activations, allocated for the largest batch seen and
 * reused for every step. Dropout masks are seeded from (seed, layer, training step), so a run repeats exactly.
 * A convolution followed by a ReLU runs as one fused backend op ({@link Backend#conv2dReluForward}).
 */
public final class Sequential implements AutoCloseable {
    private final Backend backend;
    private final Architecture architecture;
    private final long seed;
    private final Tensor parameterArena, gradientArena, velocityArena, bufferArena;
    private final Map<String, Tensor> parameters, gradients, velocities, buffers;
    /** Two buffers, each as large as the largest layer input, that backward alternates between for data gradients. */
    private final Tensor[] gradientScratch = new Tensor[2];
    private int capacity;
    private long step;
    private int lastBatch;
    private boolean lastForwardTraining;

    /**
     * Builds the network for {@code architecture} (whose layers it takes over) on {@code backend}; parameters
     * start from their initializers with {@code seed}, which also seeds dropout.
     */
    public Sequential(Backend backend, Architecture architecture, long seed) {
        this.backend = backend;
        this.architecture = architecture;
        this.seed = seed;
        ParameterTable table = architecture.parameters();
        if (table.totalFloats() == 0) throw new IllegalArgumentException("a network needs at least one parameter");
        Shape arenaShape = Shape.of(Math.toIntExact(table.totalFloats()));
        parameterArena = backend.allocate(arenaShape);
        gradientArena = backend.allocate(arenaShape);
        velocityArena = backend.allocate(arenaShape);
        parameters = table.views(parameterArena);
        gradients = table.views(gradientArena);
        velocities = table.views(velocityArena);
        ParameterTable bufferTable = architecture.buffers();
        bufferArena = bufferTable.totalFloats() == 0 ? null : backend.allocate(Shape.of(Math.toIntExact(bufferTable.totalFloats())));
        buffers = bufferArena == null ? Map.of() : bufferTable.views(bufferArena);
        List<Layer> layers = architecture.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            layer.inputGradientNeeded = i > 0;
            layer.bind(backend, local(parameters, layer), local(gradients, layer), local(buffers, layer));
            if (i > 0 && layers.get(i - 1) instanceof Conv2d conv && layer instanceof ReLU relu) {
                conv.fuseRelu();
                relu.appliedBefore();
            }
        }
        initialize(seed);
    }

    /** The views of {@code layer}'s entries, keyed by their local names ("weight" for "conv1.weight"). */
    private static Map<String, Tensor> local(Map<String, Tensor> views, Layer layer) {
        String prefix = layer.name() + ".";
        Map<String, Tensor> local = new LinkedHashMap<>();
        views.forEach((name, view) -> { if (name.startsWith(prefix)) local.put(name.substring(prefix.length()), view); });
        return local;
    }

    /** Sets every parameter and buffer from its initializer (parameter i drawn with a seed derived from (seed, i)); zeroes the velocity. */
    public void initialize(long seed) {
        initialize(architecture.parameters(), parameters, seed);
        initialize(architecture.buffers(), buffers, seed);
        backend.fill(velocityArena, 0);
    }

    private void initialize(ParameterTable table, Map<String, Tensor> views, long seed) {
        List<ParameterTable.Entry> entries = table.entries();
        for (int i = 0; i < entries.size(); i++) {
            ParameterTable.Entry e = entries.get(i);
            backend.copyFromHost(views.get(e.name()), e.spec().init().sample(e.spec().shape(), CounterRng.bits(seed, i)), 0);
        }
    }

    public Backend backend() { return backend; }

    public Architecture architecture() { return architecture; }

    /**
     * Runs every layer on {@code x}, (N, input dims...), and returns the logits (N, classes), which stay
     * valid until the next forward. Training mode uses batch statistics and dropout (fresh masks every
     * call: the training step counter advances).
     */
    public Tensor forward(Tensor x, boolean training) {
        Shape expected = Architecture.withBatch(architecture.input(), x.shape().dim(0));
        if (!x.shape().equals(expected)) {
            throw new ShapeException("layer " + architecture.layers().getFirst() + ": expected network input (N, "
                    + architecture.input().toString().substring(1) + ", got " + x.shape());
        }
        int n = x.shape().dim(0);
        ensureCapacity(n);
        List<Layer> layers = architecture.layers();
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).forward(x, training, CounterRng.bits(CounterRng.bits(seed, i), step));
        }
        if (training) step++;
        lastBatch = n;
        lastForwardTraining = training;
        return x;
    }

    /**
     * Back-propagates {@code dLogits} (N, classes) through the last training forward: zeroes the gradient
     * arena, then every layer in reverse adds its parameter gradients.
     */
    public void backward(Tensor dLogits) {
        if (!lastForwardTraining) throw new IllegalStateException("backward needs a training forward first (the last forward was " + (lastBatch == 0 ? "none" : "in evaluation mode") + ")");
        dLogits.shape().require(architecture.outputShape(lastBatch), "dLogits");
        backend.fill(gradientArena, 0);
        List<Layer> layers = architecture.layers();
        Tensor dy = dLogits;
        int holder = -1; // which scratch buffer holds dy (-1: neither)
        for (int i = layers.size() - 1; i >= 0; i--) {
            int free = holder == 0 ? 1 : 0;
            Tensor dx = gradientScratch[free].view(0, architecture.inputShape(i, lastBatch));
            Tensor result = layers.get(i).backward(dy, dx);
            if (result == dx) holder = free;
            dy = result;
        }
    }

    /** Allocates activations for batches of up to {@code n}; only ever grows. */
    private void ensureCapacity(int n) {
        if (n <= capacity) return;
        List<Layer> layers = architecture.layers();
        long largestInput = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            layer.freeActivations();
            Shape in = architecture.inputShape(i, n);
            layer.allocate(in);
            largestInput = Math.max(largestInput, in.size());
        }
        for (int j = 0; j < 2; j++) {
            if (gradientScratch[j] != null) gradientScratch[j].close();
            gradientScratch[j] = backend.allocate(Shape.of(Math.toIntExact(largestInput)));
        }
        capacity = n;
    }

    /** Training forwards run so far; it seeds dropout, so a resumed run restores it with {@link #setStep}. */
    public long step() { return step; }

    public void setStep(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        this.step = step;
    }

    /** All parameters in one allocation, in the order of {@link Architecture#parameters()}. */
    public Tensor parameterArena() { return parameterArena; }

    /** The gradients, same layout as the parameters; filled by {@link #backward}. */
    public Tensor gradientArena() { return gradientArena; }

    /** The SGD velocity (momentum), same layout as the parameters. */
    public Tensor velocityArena() { return velocityArena; }

    /** Parameter views by full name ({@code conv1.weight}), in arena order. */
    public Map<String, Tensor> parameters() { return parameters; }

    public Map<String, Tensor> gradients() { return gradients; }

    public Map<String, Tensor> velocities() { return velocities; }

    /** Buffer views by full name ({@code bn1.running_mean}); empty when the network has none. */
    public Map<String, Tensor> buffers() { return buffers; }

    /** Every parameter then every buffer, by name: what a weight file holds. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> all = new LinkedHashMap<>(parameters);
        all.putAll(buffers);
        return all;
    }

    /** A host copy of the parameter or buffer called {@code name}. */
    public float[] read(String name) {
        Tensor t = find(name);
        float[] values = new float[Math.toIntExact(t.size())];
        backend.copyToHost(values, 0, t);
        return values;
    }

    /** Sets the parameter or buffer called {@code name} from host values of shape {@code shape}; throws naming it when the shape differs. */
    public void write(String name, Shape shape, float[] values) {
        Tensor t = find(name);
        if (!shape.equals(t.shape())) throw new ShapeException("parameter " + name + ": expected shape " + t.shape() + ", given " + shape);
        if (values.length != shape.size()) throw new IllegalArgumentException("parameter " + name + ": shape " + shape + " needs " + shape.size() + " values, given " + values.length);
        backend.copyFromHost(t, values, 0);
    }

    private Tensor find(String name) {
        Tensor t = parameters.get(name);
        if (t == null) t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter or buffer named '" + name + "'; known: " + String.join(", ", state().keySet()));
        return t;
    }

    /** Frees the arenas, the scratch buffers and every layer's activations. */
    @Override public void close() {
        for (Layer layer : architecture.layers()) layer.close();
        for (Tensor t : gradientScratch) if (t != null) t.close();
        parameterArena.close();
        gradientArena.close();
        velocityArena.close();
        if (bufferArena != null) bufferArena.close();
    }
}
