package org.alexnet4j.nn;

import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * A layer with a weight (outputs first in its shape) and an optional bias: Conv2d and Linear. Holds their
 * parameter table and their stage: forward, then in backward the weight gradient, the bias gradient and
 * (unless it is the first layer) the input gradient.
 */
abstract class WeightedLayer extends Layer {
    private final Shape weightShape;
    private final boolean hasBias;
    private final Init weightInit, biasInit;

    WeightedLayer(String name, Shape weightShape, boolean hasBias, Init weightInit, Init biasInit) {
        super(name);
        this.weightShape = weightShape;
        this.hasBias = hasBias;
        this.weightInit = weightInit;
        this.biasInit = biasInit;
    }

    /** The weight's shape: (K, C/groups, R, S) for a convolution, (out, in) for a linear layer. */
    public Shape weightShape() { return weightShape; }

    /** y = the layer applied to x with weight w and bias (or null); then max(., 0) when {@code relu}. */
    protected abstract void forward(Backend backend, Tensor y, Tensor x, Tensor w, Tensor bias, boolean relu);

    /** dw += the weight gradient. */
    protected abstract void accumulateWeightGradient(Backend backend, Tensor dw, Tensor dy, Tensor x);

    /** dx = the input gradient. */
    protected abstract void computeInputGradient(Backend backend, Tensor dx, Tensor dy, Tensor w);

    @Override public List<ParameterSpec> parameters() {
        ParameterSpec w = new ParameterSpec("weight", weightShape, weightInit);
        return hasBias ? List.of(w, new ParameterSpec("bias", Shape.of(weightShape.dim(0)), biasInit)) : List.of(w);
    }

    @Override protected Stage stage(Stage.Context context) {
        Backend backend = context.backend();
        Tensor weight = context.parameter("weight"), bias = hasBias ? context.parameter("bias") : null;
        Tensor weightGradient = context.training() ? context.gradient("weight") : null;
        Tensor biasGradient = context.training() && hasBias ? context.gradient("bias") : null;
        boolean relu = context.fusedWithNextRelu(), inputGradientNeeded = context.inputGradientNeeded();
        BatchTensor output = context.activation(outputShape(context.input()));
        return new Stage() {
            private Tensor input;

            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                Tensor y = output.batch(x.shape().dim(0));
                WeightedLayer.this.forward(backend, y, x, weight, bias, relu);
                input = x;
                return y;
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) {
                accumulateWeightGradient(backend, weightGradient, dy, input);
                if (biasGradient != null) backend.biasBackward(biasGradient, dy);
                if (inputGradientNeeded) computeInputGradient(backend, dx, dy, weight);
                return dx;
            }
        };
    }
}
