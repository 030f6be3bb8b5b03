package org.alexnet4j.nn;

import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * One layer at run time, inside a {@link Plan}: its view of the weights, its activations (allocated once for
 * the plan's batch capacity) and what its backward needs from the last forward. Made by
 * {@link Layer#stage(Context)}; the plan that made it frees its activations.
 */
public interface Stage {
    /**
     * y = layer(x) for a batch of up to the plan's capacity. Returns y, which the plan owns (or x itself for
     * an identity). {@code seed} feeds the random layers (dropout) and is fresh for every training step.
     */
    Tensor forward(Tensor x, boolean training, long seed);

    /**
     * Writes the gradient of the loss w.r.t. the last forward's input into {@code dx} (that input's shape)
     * and returns it (or returns dy itself, reshaped, for an identity); parameter gradients are ADDED.
     * Called only in training plans, after a training forward.
     */
    Tensor backward(Tensor dy, Tensor dx);

    /** What a layer's stage is built from; valid while the stage is being made. */
    final class Context {
        private final Backend backend;
        private final Shape input;
        private final Map<String, Tensor> parameters, gradients, buffers;
        private final boolean inputGradientNeeded, fusedWithNextRelu, rectifiedInput;
        private final List<BatchTensor> activations;

        Context(Backend backend, Shape input, Map<String, Tensor> parameters, Map<String, Tensor> gradients, Map<String, Tensor> buffers,
                boolean inputGradientNeeded, boolean fusedWithNextRelu, boolean rectifiedInput, List<BatchTensor> activations) {
            this.backend = backend;
            this.input = input;
            this.parameters = parameters;
            this.gradients = gradients;
            this.buffers = buffers;
            this.inputGradientNeeded = inputGradientNeeded;
            this.fusedWithNextRelu = fusedWithNextRelu;
            this.rectifiedInput = rectifiedInput;
            this.activations = activations;
        }

        public Backend backend() { return backend; }

        /** The largest input the stage will see: the plan's capacity as the batch dimension. */
        public Shape input() { return input; }

        /** Whether backward will run: training plans keep what backward needs, inference plans need not. */
        public boolean training() { return gradients != null; }

        /** False for the first layer, whose input gradient nobody reads (conv and linear then skip it). */
        public boolean inputGradientNeeded() { return inputGradientNeeded; }

        /** For a convolution: the ReLU after it is applied as its output is stored (that ReLU then passes x through). */
        public boolean fusedWithNextRelu() { return fusedWithNextRelu; }

        /** For a ReLU: the layer before already applied it, so forward passes x through (backward still masks). */
        public boolean rectifiedInput() { return rectifiedInput; }

        /** The view of this layer's parameter {@code name} ("weight") in the weights' arena. */
        public Tensor parameter(String name) { return required(parameters, name, "parameter"); }

        /** The view of the gradient of parameter {@code name}, which backward adds into; training plans only. */
        public Tensor gradient(String name) {
            if (gradients == null) throw new IllegalStateException("an inference plan has no gradients (asked for " + name + ")");
            return required(gradients, name, "gradient");
        }

        /** The view of this layer's buffer {@code name} ("running_mean"). */
        public Tensor buffer(String name) { return required(buffers, name, "buffer"); }

        /**
         * A tensor of {@code shape} (batch first, at capacity), owned by the plan, which allocates it once every
         * stage is made: it has memory from the stage's first forward on, not while the stage is being made.
         */
        public BatchTensor activation(Shape shape) {
            BatchTensor t = BatchTensor.declared(backend, shape);
            activations.add(t);
            return t;
        }

        private static Tensor required(Map<String, Tensor> views, String name, String kind) {
            Tensor t = views.get(name);
            if (t == null) throw new IllegalArgumentException("no " + kind + " named '" + name + "' for this layer; it has " + views.keySet());
            return t;
        }
    }
}
