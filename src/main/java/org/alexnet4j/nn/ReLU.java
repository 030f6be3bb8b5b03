package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** y = max(x, 0), any shape. Keeps y for backward. When the layer before applies it (a fused convolution), forward passes x through. */
public final class ReLU extends Layer {
    public ReLU(String name) { super(name); }

    @Override public Shape outputShape(Shape x) { return x; }

    @Override protected Stage stage(Stage.Context context) {
        Backend backend = context.backend();
        BatchTensor output = context.rectifiedInput() ? null : context.activation(context.input());
        return new Stage() {
            private Tensor y;

            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                if (output == null) return y = x;
                y = output.batch(x.shape().dim(0));
                backend.reluForward(y, x);
                return y;
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) {
                backend.reluBackward(dx, dy, y);
                return dx;
            }
        };
    }
}
