package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** Local response normalization across channels in the cuDNN/PyTorch convention (see {@link LrnSpec}). (N, C, H, W) -> same. */
public final class LocalResponseNorm extends Layer {
    private final LrnSpec spec;

    public LocalResponseNorm(String name, LrnSpec spec) {
        super(name);
        this.spec = spec;
    }

    public LrnSpec spec() { return spec; }

    @Override public Shape outputShape(Shape x) { return x.requireRank(4, "input (N, C, H, W)"); }

    /** The op writes a scale plane beside y in inference too; backward reads both. */
    @Override protected Stage stage(Stage.Context context) {
        Backend backend = context.backend();
        BatchTensor output = context.activation(context.input()), scale = context.activation(context.input());
        return new Stage() {
            private Tensor input, y, savedScale;

            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                int n = x.shape().dim(0);
                y = output.batch(n);
                savedScale = scale.batch(n);
                input = x;
                backend.lrnForward(y, savedScale, x, spec);
                return y;
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) {
                backend.lrnBackward(dx, dy, y, savedScale, input, spec);
                return dx;
            }
        };
    }
}
