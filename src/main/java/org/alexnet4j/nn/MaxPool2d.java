package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** Max pooling (overlapping when stride < window, as AlexNet's 3x3 stride 2). (N, C, H, W) -> (N, C, P, Q). */
public final class MaxPool2d extends Layer {
    private final PoolSpec spec;

    public MaxPool2d(String name, int window, int stride) {
        super(name);
        this.spec = PoolSpec.of(window, stride);
    }

    public PoolSpec spec() { return spec; }

    @Override public Shape outputShape(Shape x) { return spec.outputShape(x); }

    @Override protected Stage stage(Stage.Context context) {
        Backend backend = context.backend();
        BatchTensor output = context.activation(outputShape(context.input()));
        return new Stage() {
            private Tensor input, y;

            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                y = output.batch(x.shape().dim(0));
                input = x;
                backend.maxPoolForward(y, x, spec);
                return y;
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) {
                backend.maxPoolBackward(dx, dy, y, input, spec);
                return dx;
            }
        };
    }
}
