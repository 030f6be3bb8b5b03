package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * Spatial batch normalization (per channel over N, H, W), as PyTorch's BatchNorm2d and cuDNN's
 * SPATIAL mode: running = (1 - momentum) * running + momentum * batch, the running variance using the
 * unbiased batch variance, normalization using the biased one. Every op takes x (N, C, H, W), data
 * tensors of x's shape and per-channel tensors of shape (C).
 */
public record BatchNormSpec(double epsilon, double momentum) {
    public BatchNormSpec {
        if (!(epsilon > 0)) throw new IllegalArgumentException("batch norm epsilon must be > 0, got " + epsilon);
        if (!(momentum >= 0 && momentum <= 1)) throw new IllegalArgumentException("batch norm momentum must be in [0, 1], got " + momentum);
    }

    public static final BatchNormSpec PYTORCH_DEFAULT = new BatchNormSpec(1e-5, 0.1);

    /** The contract of batchNormForwardTraining; also needs two or more values per channel for a variance. Returns x's shape. */
    public static Shape checkTraining(Tensor y, Tensor savedMean, Tensor savedInvStd, Tensor runningMean, Tensor runningVar,
                                      Tensor x, Tensor gamma, Tensor beta) {
        Shape s = check("batchNormForwardTraining", x, new Tensor[] {y}, "y",
                new Tensor[] {gamma, beta, savedMean, savedInvStd, runningMean, runningVar}, "gamma beta savedMean savedInvStd runningMean runningVar");
        if (s.size() / s.dim(1) < 2) {
            throw new IllegalArgumentException("batchNormForwardTraining: needs more than one value per channel to estimate a variance, got x " + s);
        }
        return s;
    }

    /** The contract of batchNormForwardInference. Returns x's shape. */
    public static Shape checkInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar) {
        return check("batchNormForwardInference", x, new Tensor[] {y}, "y", new Tensor[] {gamma, beta, runningMean, runningVar},
                "gamma beta runningMean runningVar");
    }

    /** The contract of batchNormBackward. Returns x's shape. */
    public static Shape checkBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dy, Tensor x, Tensor gamma,
                                      Tensor savedMean, Tensor savedInvStd) {
        return check("batchNormBackward", x, new Tensor[] {dx, dy}, "dx dy", new Tensor[] {gamma, dgamma, dbeta, savedMean, savedInvStd},
                "gamma dgamma dbeta savedMean savedInvStd");
    }

    /** x is (N, C, H, W), every data tensor has its shape and every per-channel one is (C); roles: their names, space-separated. */
    private static Shape check(String op, Tensor x, Tensor[] data, String dataRoles, Tensor[] perChannel, String perChannelRoles) {
        Shape s = Operands.shape(x, op + " x").requireRank(4, op + " x (N, C, H, W)"), channels = Shape.of(s.dim(1));
        String[] roles = dataRoles.split(" "), channelRoles = perChannelRoles.split(" ");
        for (int i = 0; i < data.length; i++) Operands.require(data[i], s, op + " " + roles[i]);
        for (int i = 0; i < perChannel.length; i++) Operands.require(perChannel[i], channels, op + " " + channelRoles[i]);
        return s;
    }
}
