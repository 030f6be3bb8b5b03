package org.alexnet4j.nn;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** y = max(x, 0), any shape. Keeps y for backward. */
public final class ReLU extends Layer {
    private BatchTensor output;
    private Tensor y;

    public ReLU(String name) { super(name); }

    @Override public Shape outputShape(Shape x) { return x; }

    @Override protected void allocate(Shape maxInput) { output = allocateActivation(maxInput); }

    @Override protected Tensor forward(Tensor x, boolean training, long seed) {
        y = output.batch(x.shape().dim(0));
        backend.reluForward(y, x);
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        backend.reluBackward(dx, dy, y);
        return dx;
    }
}
