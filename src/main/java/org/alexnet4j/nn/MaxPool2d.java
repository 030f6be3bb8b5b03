package org.alexnet4j.nn;

import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** Max pooling (overlapping when stride < window, as AlexNet's 3x3 stride 2). (N, C, H, W) -> (N, C, P, Q). */
public final class MaxPool2d extends Layer {
    private final PoolSpec spec;
    private BatchTensor output;
    private Tensor input, y;

    public MaxPool2d(String name, int window, int stride) {
        super(name);
        this.spec = PoolSpec.of(window, stride);
    }

    public PoolSpec spec() { return spec; }

    @Override public Shape outputShape(Shape x) { return spec.outputShape(x); }

    @Override protected void allocate(Shape maxInput) { output = allocateActivation(outputShape(maxInput)); }

    @Override protected Tensor forward(Tensor x, boolean training, long seed) {
        y = output.batch(x.shape().dim(0));
        input = x;
        backend.maxPoolForward(y, x, spec);
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        backend.maxPoolBackward(dx, dy, y, input, spec);
        return dx;
    }
}
