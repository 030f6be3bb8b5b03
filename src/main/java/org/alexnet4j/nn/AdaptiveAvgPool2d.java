package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * Adaptive average pooling to a fixed spatial size, as PyTorch's AdaptiveAvgPool2d. When the input
 * already has that size it is the identity and neither copies nor allocates.
 */
public final class AdaptiveAvgPool2d extends Layer {
    private final int outH, outW;

    public AdaptiveAvgPool2d(String name, int outH, int outW) {
        super(name);
        if (outH < 1 || outW < 1) throw new IllegalArgumentException(name + ": output size must be positive, got " + outH + "x" + outW);
        this.outH = outH;
        this.outW = outW;
    }

    @Override public Shape outputShape(Shape x) {
        x.requireRank(4, "input (N, C, H, W)");
        return Shape.of(x.dim(0), x.dim(1), outH, outW);
    }

    /** Whether an input of shape {@code x} passes through unchanged. */
    public boolean isIdentityFor(Shape x) { return x.dim(2) == outH && x.dim(3) == outW; }

    @Override protected Stage stage(Stage.Context context) {
        Backend backend = context.backend();
        BatchTensor output = isIdentityFor(context.input()) ? null : context.activation(outputShape(context.input()));
        return new Stage() {
            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                if (output == null) return x;
                Tensor y = output.batch(x.shape().dim(0));
                backend.adaptiveAvgPoolForward(y, x);
                return y;
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) {
                if (output == null) return dy;
                backend.adaptiveAvgPoolBackward(dx, dy);
                return dx;
            }
        };
    }
}
