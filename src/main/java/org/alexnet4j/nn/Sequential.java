package org.alexnet4j.nn;

import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * A network being trained on one backend: its {@link Weights}, ONE gradient arena and ONE velocity arena
 * of the parameters' layout, a training {@link Plan} compiled for the largest batch seen (recompiled when a
 * larger one comes), and the training step, which seeds dropout (masks depend on seed, layer and step, so
 * a run repeats exactly).
 */
public final class Sequential implements AutoCloseable {
    private final Weights weights;
    private final long seed;
    private final Tensor gradientArena, velocityArena;
    private final Map<String, Tensor> gradients, velocities;
    private Plan plan;
    private long step;

    /**
     * Builds the network for {@code architecture} on {@code backend}; parameters start from their initializers
     * with {@code seed}, which also seeds dropout.
     */
    public Sequential(Backend backend, Architecture architecture, long seed) {
        this.weights = new Weights(backend, architecture);
        this.seed = seed;
        ParameterTable table = architecture.parameters();
        Shape arenaShape = table.arenaShape("parameters");
        this.gradientArena = backend.allocate(arenaShape);
        this.velocityArena = backend.allocate(arenaShape);
        this.gradients = table.views(gradientArena);
        this.velocities = table.views(velocityArena);
        initialize(seed);
    }

    /** Sets every parameter and buffer from its initializer (parameter i drawn with a seed derived from (seed, i)); zeroes the velocity. */
    public void initialize(long seed) {
        weights.initialize(seed);
        backend().fill(velocityArena, 0);
    }

    public Backend backend() { return weights.backend(); }

    public Architecture architecture() { return weights.architecture(); }

    /** The parameters and buffers, which plans of other uses (inference, evaluation) may share. */
    public Weights weights() { return weights; }

    /**
     * Runs every layer on {@code x}, (N, input dims...), and returns the logits (N, classes), which stay
     * valid until the next forward. Training mode uses batch statistics and dropout (fresh masks every
     * call: the training step counter advances).
     */
    public Tensor forward(Tensor x, boolean training) {
        reserve(x.shape().dim(0));
        Tensor logits = plan.forward(x, training, seed, step);
        if (training) step++;
        return logits;
    }

    /**
     * Compiles the training plan for batches of up to {@code n} now rather than at the first forward that
     * needs it, so that a batch this backend cannot hold is refused before anything else is prepared for it.
     */
    public void reserve(int n) {
        if (plan != null && n <= plan.capacity()) return;
        if (plan != null) plan.close();
        plan = null;
        plan = Plan.training(weights, gradientArena, n);
    }

    /**
     * Back-propagates {@code dLogits} (N, classes) through the last training forward: zeroes the gradient
     * arena, then every layer in reverse adds its parameter gradients.
     */
    public void backward(Tensor dLogits) {
        if (plan == null) throw new IllegalStateException("backward needs a training forward first (the last forward was none)");
        plan.backward(dLogits);
    }

    /** Training forwards run so far; it seeds dropout, so a resumed run restores it with {@link #setStep}. */
    public long step() { return step; }

    public void setStep(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        this.step = step;
    }

    /** All parameters in one allocation, in the order of {@link Architecture#parameters()}. */
    public Tensor parameterArena() { return weights.parameterArena(); }

    /** The gradients, same layout as the parameters; filled by {@link #backward}. */
    public Tensor gradientArena() { return gradientArena; }

    /** The SGD velocity (momentum), same layout as the parameters. */
    public Tensor velocityArena() { return velocityArena; }

    /** Parameter views by full name ({@code conv1.weight}), in arena order. */
    public Map<String, Tensor> parameters() { return weights.parameters(); }

    public Map<String, Tensor> gradients() { return gradients; }

    public Map<String, Tensor> velocities() { return velocities; }

    /** Buffer views by full name ({@code bn1.running_mean}); empty when the network has none. */
    public Map<String, Tensor> buffers() { return weights.buffers(); }

    /** Every parameter then every buffer, by name: what a weight file holds. */
    public Map<String, Tensor> state() { return weights.state(); }

    /** A host copy of the parameter or buffer called {@code name}. */
    public float[] read(String name) { return weights.read(name); }

    /** Sets the parameter or buffer called {@code name} from host values of shape {@code shape}; throws naming it when the shape differs. */
    public void write(String name, Shape shape, float[] values) { weights.write(name, shape, values); }

    /** Frees the plan, the arenas and the weights. */
    @Override public void close() {
        if (plan != null) plan.close();
        gradientArena.close();
        velocityArena.close();
        weights.close();
    }
}
