package org.alexnet4j.train;

import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.nn.Sequential;

/**
 * SGD with momentum and weight decay in the paper's form (see {@link SgdSpec}), applied to the whole
 * parameter arena in one backend call: v = momentum*v - weightDecay*lr*w - lr*grad; w = w + v.
 */
public record Sgd(float momentum, float weightDecay) {
    public Sgd {
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
    }

    /** The paper's momentum 0.9 and weight decay 5e-4. */
    public static Sgd paper() { return new Sgd(0.9f, 5e-4f); }

    /** One update of every parameter of {@code network} from the gradients of its last backward. */
    public void step(Sequential network, float learningRate) {
        network.backend().sgdUpdate(network.parameterArena(), network.velocityArena(), network.gradientArena(),
                new SgdSpec(learningRate, momentum, weightDecay));
    }
}
