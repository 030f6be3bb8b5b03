package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
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

    /** Never asked to apply a ReLU: a plan fuses only layers that say they can. */
    @Override protected void forward(Backend backend, Tensor y, Tensor x, Tensor w, Tensor bias, boolean relu) { backend.linearForward(y, x, w, bias); }

    @Override protected void accumulateWeightGradient(Backend backend, Tensor dw, Tensor dy, Tensor x) { backend.linearBackwardWeight(dw, dy, x); }

    @Override protected void computeInputGradient(Backend backend, Tensor dx, Tensor dy, Tensor w) { backend.linearBackwardData(dx, dy, w); }
}
