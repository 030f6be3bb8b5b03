package org.alexnet4j.nn;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/** Fully connected layer y = x w^T + b. x: (N, in) -> y: (N, out); weight (out, in), bias (out). */
public final class Linear extends WeightedLayer {
    private final int inFeatures, outFeatures;

    public Linear(String name, int inFeatures, int outFeatures, boolean hasBias, Init weightInit, Init biasInit) {
        if (inFeatures < 1 || outFeatures < 1) throw new IllegalArgumentException(name + ": features must be positive, got " + inFeatures + " -> " + outFeatures);
        super(name, Shape.of(outFeatures, inFeatures), hasBias, weightInit, biasInit);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
    }

    @Override public Shape outputShape(Shape x) {
        if (x.rank() != 2 || x.dim(1) != inFeatures) throw new ShapeException("expected input (N, " + inFeatures + "), got " + x);
        return Shape.of(x.dim(0), outFeatures);
    }

    @Override protected void compute(Tensor y, Tensor x) { backend.linearForward(y, x, weight, bias); }

    @Override protected void accumulateWeightGradient(Tensor dw, Tensor dy, Tensor x) { backend.linearBackwardWeight(dw, dy, x); }

    @Override protected void computeInputGradient(Tensor dx, Tensor dy) { backend.linearBackwardData(dx, dy, weight); }
}
