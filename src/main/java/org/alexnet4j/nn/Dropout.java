package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * Inverted dropout: in training each unit is zeroed with probability p and the rest scaled by 1/(1-p),
 * with a mask that is a pure function of the step's seed (so runs repeat exactly); identity at evaluation
 * and when p = 0 (no copy). Inference plans allocate nothing for it.
 */
public final class Dropout extends Layer {
    private final float probability;

    public Dropout(String name, float probability) {
        super(name);
        if (!(probability >= 0 && probability < 1)) throw new IllegalArgumentException(name + ": dropout probability must be in [0, 1), got " + probability);
        this.probability = probability;
    }

    public float probability() { return probability; }

    @Override public Shape outputShape(Shape x) { return x; }

    @Override protected Stage stage(Stage.Context context) {
        boolean active = context.training() && probability > 0;
        Backend backend = context.backend();
        BatchTensor output = active ? context.activation(context.input()) : null, mask = active ? context.activation(context.input()) : null;
        return new Stage() {
            private Tensor savedMask;
            private boolean lastWasIdentity;

            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                lastWasIdentity = !training || !active;
                if (lastWasIdentity) return x;
                int n = x.shape().dim(0);
                Tensor y = output.batch(n);
                savedMask = mask.batch(n);
                backend.dropoutForward(y, savedMask, x, probability, seed);
                return y;
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) {
                if (lastWasIdentity) return dy;
                backend.dropoutBackward(dx, dy, savedMask);
                return dx;
            }
        };
    }
}
