package org.alexnet4j.backend;

/**
 * Spatial batch normalization (per channel over N, H, W), as PyTorch's BatchNorm2d and cuDNN's
 * SPATIAL mode: running = (1 - momentum) * running + momentum * batch, the running variance using the
 * unbiased batch variance, normalization using the biased one.
 */
public record BatchNormSpec(double epsilon, double momentum) {
    public BatchNormSpec {
        if (!(epsilon > 0)) throw new IllegalArgumentException("batch norm epsilon must be > 0, got " + epsilon);
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("batch norm momentum must be in [0, 1], got " + momentum);
    }

    public static final BatchNormSpec PYTORCH_DEFAULT = new BatchNormSpec(1e-5, 0.1);
}
