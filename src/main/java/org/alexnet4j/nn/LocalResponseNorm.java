package org.alexnet4j.nn;

import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** Local response normalization across channels in the cuDNN/PyTorch convention (see {@link LrnSpec}). (N, C, H, W) -> same. */
public final class LocalResponseNorm extends Layer {
    private final LrnSpec spec;
    private BatchTensor output, scale;
    private Tensor input, y, savedScale;

    public LocalResponseNorm(String name, LrnSpec spec) {
        super(name);
        this.spec = spec;
    }

    public LrnSpec spec() { return spec; }

    @Override public Shape outputShape(Shape x) { return x.requireRank(4, "input (N, C, H, W)"); }

    @Override protected void allocate(Shape maxInput) {
        output = allocateActivation(maxInput);
        scale = allocateActivation(maxInput);
    }

    @Override protected Tensor forward(Tensor x, boolean training, long seed) {
        int n = x.shape().dim(0);
        y = output.batch(n);
        savedScale = scale.batch(n);
        input = x;
        backend.lrnForward(y, savedScale, x, spec);
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        backend.lrnBackward(dx, dy, y, savedScale, input, spec);
        return dx;
    }
}
