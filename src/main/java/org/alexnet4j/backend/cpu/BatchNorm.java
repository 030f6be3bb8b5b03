package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.BatchNormSpec;

/**
 * Spatial batch normalization for one channel c over its N planes of hw floats: two-pass statistics
 * (mean, then squared deviations; float within a plane, double across planes), and forward and backward
 * as one affine pass each (y = x*a + b; dx = dy*a + x*b + c0).
 */
final class BatchNorm {
    private BatchNorm() {}

    /** Forward in training for channel c: writes y, the saved statistics, and updates the running ones. */
    static void forwardTraining(MemorySegment y, MemorySegment savedMean, MemorySegment savedInvStd, MemorySegment runningMean,
                                MemorySegment runningVar, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                                BatchNormSpec spec, int c, int n, int channels, long hw) {
        long count = n * hw;
        double total = 0;
        for (int image = 0; image < n; image++) total += Loops.sum(x, plane(image, c, channels, hw), hw);
        float mean = (float) (total / count);
        double squares = 0;
        for (int image = 0; image < n; image++) squares += Loops.sumSquaredDeviation(x, plane(image, c, channels, hw), hw, mean);
        double variance = squares / count;
        float invStd = (float) (1 / Math.sqrt(variance + spec.epsilon()));
        float a = Loops.get(gamma, c) * invStd, b = Loops.get(beta, c) - mean * a;
        for (int image = 0; image < n; image++) Loops.linear(y, x, null, plane(image, c, channels, hw), hw, a, 0f, b);
        Loops.set(savedMean, c, mean);
        Loops.set(savedInvStd, c, invStd);
        double momentum = spec.momentum(), unbiased = count > 1 ? variance * count / (count - 1) : variance;
        Loops.set(runningMean, c, (float) ((1 - momentum) * Loops.get(runningMean, c) + momentum * mean));
        Loops.set(runningVar, c, (float) ((1 - momentum) * Loops.get(runningVar, c) + momentum * unbiased));
    }

    static void forwardInference(MemorySegment y, MemorySegment x, MemorySegment gamma, MemorySegment beta, MemorySegment runningMean,
                                 MemorySegment runningVar, BatchNormSpec spec, int c, int n, int channels, long hw) {
        float a = (float) (Loops.get(gamma, c) / Math.sqrt(Loops.get(runningVar, c) + spec.epsilon()));
        float b = Loops.get(beta, c) - Loops.get(runningMean, c) * a;
        for (int image = 0; image < n; image++) Loops.linear(y, x, null, plane(image, c, channels, hw), hw, a, 0f, b);
    }

    /** dx = gamma*invStd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat)), dgamma += sum(dy*xhat), dbeta += sum(dy). */
    static void backward(MemorySegment dx, MemorySegment dgamma, MemorySegment dbeta, MemorySegment dy, MemorySegment x,
                         MemorySegment gamma, MemorySegment savedMean, MemorySegment savedInvStd, int c, int n, int channels, long hw) {
        long count = n * hw;
        float mean = Loops.get(savedMean, c), invStd = Loops.get(savedInvStd, c), g = Loops.get(gamma, c);
        double sumDy = 0, sumDyCentered = 0;
        for (int image = 0; image < n; image++) {
            long off = plane(image, c, channels, hw);
            sumDy += Loops.sum(dy, off, hw);
            sumDyCentered += Loops.dotCentered(dy, off, x, off, hw, mean);
        }
        Loops.set(dbeta, c, (float) (Loops.get(dbeta, c) + sumDy));
        Loops.set(dgamma, c, (float) (Loops.get(dgamma, c) + sumDyCentered * invStd));
        double scale = (double) g * invStd;
        double xCoefficient = -scale * invStd * invStd * sumDyCentered / count;
        double constant = -scale * sumDy / count - mean * xCoefficient;
        for (int image = 0; image < n; image++) {
            Loops.linear(dx, dy, x, plane(image, c, channels, hw), hw, (float) scale, (float) xCoefficient, (float) constant);
        }
    }

    private static long plane(int image, int c, int channels, long hw) { return ((long) image * channels + c) * hw; }
}
