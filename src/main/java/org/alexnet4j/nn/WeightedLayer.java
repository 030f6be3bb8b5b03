package org.alexnet4j.nn;

import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * A layer with a weight (outputs first in its shape) and an optional bias: Conv2d and Linear. Holds their
 * parameter table, binding and backward order (weight gradient, bias gradient, then the input gradient).
 */
abstract class WeightedLayer extends Layer {
    private final Shape weightShape;
    private final boolean hasBias;
    private final Init weightInit, biasInit;
    protected Tensor weight, bias;
    private Tensor weightGradient, biasGradient;
    private BatchTensor output;
    private Tensor input;

    WeightedLayer(String name, Shape weightShape, boolean hasBias, Init weightInit, Init biasInit) {
        super(name);
        this.weightShape = weightShape;
        this.hasBias = hasBias;
        this.weightInit = weightInit;
        this.biasInit = biasInit;
    }

    /** The weight's shape: (K, C/groups, R, S) for a convolution, (out, in) for a linear layer. */
    public Shape weightShape() { return weightShape; }

    /** y = the layer applied to x with the bound weight and bias. */
    protected abstract void compute(Tensor y, Tensor x);

    /** dw += the weight gradient. */
    protected abstract void accumulateWeightGradient(Tensor dw, Tensor dy, Tensor x);

    /** dx = the input gradient. */
    protected abstract void computeInputGradient(Tensor dx, Tensor dy);

    @Override public List<ParameterSpec> parameters() {
        ParameterSpec w = new ParameterSpec("weight", weightShape, weightInit);
        return hasBias ? List.of(w, new ParameterSpec("bias", Shape.of(weightShape.dim(0)), biasInit)) : List.of(w);
    }

    @Override protected void bind(Backend backend, Map<String, Tensor> parameters, Map<String, Tensor> gradients, Map<String, Tensor> buffers) {
        super.bind(backend, parameters, gradients, buffers);
        weight = parameters.get("weight");
        weightGradient = gradients.get("weight");
        bias = parameters.get("bias");
        biasGradient = gradients.get("bias");
    }

    @Override protected void allocate(Shape maxInput) { output = allocateActivation(outputShape(maxInput)); }

    @Override protected Tensor forward(Tensor x, boolean training, long seed) {
        Tensor y = output.batch(x.shape().dim(0));
        compute(y, x);
        input = x;
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        accumulateWeightGradient(weightGradient, dy, input);
        if (hasBias) backend.biasBackward(biasGradient, dy);
        if (inputGradientNeeded) computeInputGradient(dx, dy);
        return dx;
    }
}
