package org.alexnet4j.nn;

import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/** Fully connected layer y = x w^T + b. x: (N, in) -> y: (N, out); weight (out, in), bias (out). */
public final class Linear extends Layer {
    private final int inFeatures, outFeatures;
    private final boolean hasBias;
    private final Init weightInit, biasInit;
    private Tensor weight, bias, weightGradient, biasGradient;
    private BatchTensor output;
    private Tensor input;

    public Linear(String name, int inFeatures, int outFeatures, boolean hasBias, Init weightInit, Init biasInit) {
        super(name);
        if (inFeatures < 1 || outFeatures < 1) throw new IllegalArgumentException(name + ": features must be positive, got " + inFeatures + " -> " + outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.hasBias = hasBias;
        this.weightInit = weightInit;
        this.biasInit = biasInit;
    }

    @Override public Shape outputShape(Shape x) {
        if (x.rank() != 2 || x.dim(1) != inFeatures) throw new ShapeException("expected input (N, " + inFeatures + "), got " + x);
        return Shape.of(x.dim(0), outFeatures);
    }

    @Override public List<ParameterSpec> parameters() {
        ParameterSpec w = new ParameterSpec("weight", Shape.of(outFeatures, inFeatures), weightInit);
        return hasBias ? List.of(w, new ParameterSpec("bias", Shape.of(outFeatures), biasInit)) : List.of(w);
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
        backend.linearForward(y, x, weight, bias);
        input = x;
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        backend.linearBackwardWeight(weightGradient, dy, input);
        if (hasBias) backend.biasBackward(biasGradient, dy);
        if (inputGradientNeeded) backend.linearBackwardData(dx, dy, weight);
        return dx;
    }
}
