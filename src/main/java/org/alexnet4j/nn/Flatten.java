package org.alexnet4j.nn;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/** (N, C, H, W) -> (N, C*H*W): a reshape of the same memory, no copy. */
public final class Flatten extends Layer {
    public Flatten(String name) { super(name); }

    @Override public Shape outputShape(Shape x) { return Shape.of(x.dim(0), Math.toIntExact(x.itemSize())); }

    @Override protected Stage stage(Stage.Context context) {
        return new Stage() {
            private Shape inputShape;

            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                inputShape = x.shape();
                return x.reshape(outputShape(inputShape));
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) { return dy.reshape(inputShape); }
        };
    }
}
