// The optimizer's settings: SGD with momentum and weight decay in the paper's form.
package org.alexnet4j.train;

import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.nn.Sequential;

/**
 * SGD in the paper's form (see {@link SgdSpec}), applied to the whole parameter arena in one backend call:
 * v = momentum*v - weightDecay*lr*w - lr*grad; w = w + v. {@code learningRate} is where a run starts; the
 * {@link LearningRateSchedule} decides the rate of each step from it.
 */
public record Sgd(float learningRate, float momentum, float weightDecay) {
    /** The paper's learning rate 0.01, momentum 0.9 and weight decay 5e-4. */
    public static final float PAPER_LEARNING_RATE = 0.01f, PAPER_MOMENTUM = 0.9f, PAPER_WEIGHT_DECAY = 5e-4f;

    public Sgd {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) throw new InvalidSettingException("learning rate", "must be finite and > 0, got " + learningRate);
        if (!(momentum >= 0 && momentum < 1)) throw new InvalidSettingException("momentum", "must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) throw new InvalidSettingException("weight decay", "must be finite and >= 0, got " + weightDecay);
    }

    public static Sgd paper() { return new Sgd(PAPER_LEARNING_RATE, PAPER_MOMENTUM, PAPER_WEIGHT_DECAY); }

    public Sgd withLearningRate(float rate) { return new Sgd(rate, momentum, weightDecay); }

    /** One update of every parameter of {@code network} from the gradients of its last backward, at {@code rate}. */
    public void step(Sequential network, float rate) {
        network.backend().sgdUpdate(network.parameterArena(), network.velocityArena(), network.gradientArena(), new SgdSpec(rate, momentum, weightDecay));
    }
}
