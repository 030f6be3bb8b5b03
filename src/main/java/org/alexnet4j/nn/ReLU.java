package org.alexnet4j.nn;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** y = max(x, 0), any shape. Keeps y for backward. When the layer before applies it (a fused convolution), forward passes x through. */
public final class ReLU extends Layer {
    private BatchTensor output;
    private Tensor y;
    private boolean appliedBefore;

    public ReLU(String name) { super(name); }

    @Override public Shape outputShape(Shape x) { return x; }

    /** The previous layer's output already is max(., 0). */
    void appliedBefore() { appliedBefore = true; }

    @Override protected void allocate(Shape maxInput) {
        if (!appliedBefore) output = allocateActivation(maxInput);
    }

    @Override protected Tensor forward(Tensor x, boolean training, long seed) {
        if (appliedBefore) {
            y = x;
            return y;
        }
        y = output.batch(x.shape().dim(0));
        backend.reluForward(y, x);
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        backend.reluBackward(dx, dy, y);
        return dx;
    }
}
