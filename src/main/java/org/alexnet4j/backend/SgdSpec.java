package org.alexnet4j.backend;

import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * One SGD step in the paper's form: v = momentum*v - weightDecay*lr*w - lr*grad; w = w + v.
 * (PyTorch's form agrees only while lr stays constant; this one keeps velocity in parameter units.)
 */
public record SgdSpec(float learningRate, float momentum, float weightDecay) {
    public SgdSpec {
        if (!(learningRate >= 0) || !Float.isFinite(learningRate)) throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
    }

    /** The paper's hyper-parameters at a given learning rate: momentum 0.9, weight decay 5e-4. */
    public static SgdSpec paper(float learningRate) { return new SgdSpec(learningRate, 0.9f, 5e-4f); }

    /** The contract of sgdUpdate: three arenas of one size (their shapes may differ). */
    public static void check(Tensor weights, Tensor velocity, Tensor grads) {
        long size = Operands.shape(weights, "sgdUpdate weights").size();
        if (Operands.shape(velocity, "sgdUpdate velocity").size() != size || Operands.shape(grads, "sgdUpdate grads").size() != size) {
            throw new ShapeException("sgdUpdate: weights " + weights.shape() + ", velocity " + velocity.shape() + " and grads "
                    + grads.shape() + " must have the same size");
        }
    }
}
