package org.alexnet4j.backend;

/**
 * Local response normalization across channels, in the cuDNN / PyTorch / Caffe convention:
 * y[c] = x[c] / scale[c]^beta, scale[c] = k + (alpha / n) * sum_{j=c-n/2}^{c+n/2} x[j]^2 (zero outside the
 * channels). Note alpha is divided by n; the paper's formula (alpha not divided) is this one with alpha*n.
 */
public record LrnSpec(int size, double alpha, double beta, double k) {
    public LrnSpec {
        if (size < 1 || size > 16 || size % 2 == 0) throw new IllegalArgumentException("LRN size must be odd and in 1..16, got " + size);
        if (k < 1e-5) throw new IllegalArgumentException("LRN k must be >= 1e-5, got " + k);
        if (beta < 0.01) throw new IllegalArgumentException("LRN beta must be >= 0.01, got " + beta);
        if (!(alpha >= 0)) throw new IllegalArgumentException("LRN alpha must be >= 0, got " + alpha);
    }
}
