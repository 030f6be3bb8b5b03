package org.alexnet4j.backend;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * The op-level interface every backend implements (reference, cpu, cuda), shaped like cuDNN.
 *
 * <p>Conventions: outputs first, then saved state, then inputs, then specs. Tensors are dense NCHW
 * float32 allocated by this backend. Ops that produce a data gradient or an activation overwrite their
 * output; ops that produce a parameter gradient (backward-filter, backward-weight, bias, batch-norm
 * gamma/beta) ADD into it, so one zeroed gradient arena collects a whole backward pass. Every op checks
 * its operands with its one contract, shared by every backend (ConvSpec, PoolSpec, LrnSpec, BatchNormSpec,
 * SgdSpec, LinearShape, AdaptivePoolShape, BiasShape, SoftmaxShape, Elementwise, MemoryOps), before it
 * writes anything: a wrong shape throws {@link org.alexnet4j.tensor.ShapeException} naming the op and the
 * tensor, a bad value an IllegalArgumentException. An op a backend cannot do throws
 * {@link UnsupportedOperationException} (never a silent fallback).
 * Ops may run asynchronously; {@link #synchronize()} and the host copies wait for them.
 *
 * <p>Threading: one backend instance serves one thread at a time (it may use many threads, or a device,
 * inside each op). Callers that share an instance serialize their calls: the embedding API's model holds one
 * lock around each forward pass of its predictors. A tensor belongs to the backend that allocated it.
 */
public interface Backend extends AutoCloseable {

    /** The name it is chosen by: reference, cpu, cuda. */
    String name();

    /** One line for logs: what this backend runs on (threads, vector width, device). */
    String description();

    // ---- memory ------------------------------------------------------------------------------

    /** A new zero-filled tensor owned by this backend. */
    Tensor allocate(Shape shape);

    /**
     * Throws {@link MemoryLimitException}, naming {@code what}, when {@code bytes} more of this backend's memory
     * cannot be had now. Callers about to make many allocations at once (a plan's activations) ask first, so
     * a request the machine cannot serve fails before it has taken any memory.
     */
    void requireMemory(String what, long bytes);

    /** dst = src[srcOffset, srcOffset + dst.size()). */
    void copyFromHost(Tensor dst, float[] src, int srcOffset);

    /** dst[dstOffset, dstOffset + src.size()) = src; waits for pending work on src. */
    void copyToHost(float[] dst, int dstOffset, Tensor src);

    /** Every element of t = value. */
    void fill(Tensor t, float value);

    /** dst = src (same size; shapes may differ). */
    void copy(Tensor dst, Tensor src);

    /**
     * Declares the storage behind {@code t} (every view of it) constant from now on, as a loaded model's weights are;
     * there is no way back. The backend may then keep what it derives from it without looking at it again (the cpu
     * backend's prepared filters, whose weights it otherwise compares with a snapshot at every call; once frozen, at
     * the first call only). Writing to it afterwards is an error the host backends refuse: a copy or fill into it
     * throws IllegalStateException naming it, an op writing it fails on the read-only memory (IllegalArgumentException
     * or UnsupportedOperationException). The cuda backend, which keeps nothing derived from weights, does not check.
     */
    void freeze(Tensor t);

    /** Waits until every op issued so far has finished. */
    void synchronize();

    /**
     * Whether the backend is still measuring, on the first calls of an op shape, which of its ways to run
     * it is fastest (the cpu backend times its convolution forms): results do not depend on it, speed does.
     * Benchmarks warm up until it is false.
     */
    default boolean tuning() { return false; }

    // ---- convolution -------------------------------------------------------------------------

    /** y = conv(x, w) + bias. y: (N, K, P, Q), x: (N, C, H, W), w: (K, C/groups, R, S), bias: (K) or null. */
    void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec);

    /** y = max(conv(x, w) + bias, 0): a convolution followed by ReLU, which a backend may fuse. Shapes as conv2dForward. */
    default void conv2dReluForward(Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec) {
        spec.checkForward("conv2dReluForward", y, x, w, bias);
        conv2dForward(y, x, w, bias, spec);
        reluForward(y, y);
    }

    /** dx = gradient of conv w.r.t. its input. dx: (N, C, H, W), dy: (N, K, P, Q), w: (K, C/groups, R, S). */
    void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, ConvSpec spec);

    /** dw += gradient of conv w.r.t. its filter. dw: (K, C/groups, R, S), dy: (N, K, P, Q), x: (N, C, H, W). */
    void conv2dBackwardFilter(Tensor dw, Tensor dy, Tensor x, ConvSpec spec);

    /** db[k] += sum of dy over every axis but 1 (conv and linear bias). db: (K), dy: (N, K, ...). */
    void biasBackward(Tensor db, Tensor dy);

    // ---- fully connected ---------------------------------------------------------------------

    /** y = x w^T + bias. y: (N, out), x: (N, in), w: (out, in), bias: (out) or null. */
    void linearForward(Tensor y, Tensor x, Tensor w, Tensor bias);

    /** dx = dy w. dx: (N, in), dy: (N, out), w: (out, in). */
    void linearBackwardData(Tensor dx, Tensor dy, Tensor w);

    /** dw += dy^T x. dw: (out, in), dy: (N, out), x: (N, in). */
    void linearBackwardWeight(Tensor dw, Tensor dy, Tensor x);

    // ---- pooling, normalization, activation --------------------------------------------------

    /** y = max over each window. y: (N, C, P, Q), x: (N, C, H, W). */
    void maxPoolForward(Tensor y, Tensor x, PoolSpec spec);

    /**
     * dx = dy routed to each window's maximum (the first in row-major window order on ties), summed where
     * windows overlap. dx: (N, C, H, W), dy and y: (N, C, P, Q), x: (N, C, H, W).
     */
    void maxPoolBackward(Tensor dx, Tensor dy, Tensor y, Tensor x, PoolSpec spec);

    /**
     * Adaptive average pooling to y's spatial size, as PyTorch's AdaptiveAvgPool2d: output cell (i, j)
     * averages input rows floor(i*H/P) .. ceil((i+1)*H/P)-1 and likewise columns. y: (N, C, P, Q), x: (N, C, H, W).
     */
    void adaptiveAvgPoolForward(Tensor y, Tensor x);

    /** dx = gradient of adaptive average pooling (each dy spread evenly over its window, summed). */
    void adaptiveAvgPoolBackward(Tensor dx, Tensor dy);

    /** y = x / scale^beta, scale = k + alpha/n * window sum of x^2 (see {@link LrnSpec}). y, scale, x: (N, C, H, W). */
    void lrnForward(Tensor y, Tensor scale, Tensor x, LrnSpec spec);

    /** dx = gradient of LRN, from the y and scale that lrnForward saved. All (N, C, H, W); dx overlaps none of the others. */
    void lrnBackward(Tensor dx, Tensor dy, Tensor y, Tensor scale, Tensor x, LrnSpec spec);

    /** y = max(x, 0); y may be x (in place). */
    void reluForward(Tensor y, Tensor x);

    /** dx = dy where y > 0, else 0; dx may be dy (in place). */
    void reluBackward(Tensor dx, Tensor dy, Tensor y);

    /**
     * Inverted dropout: mask[i] = 0 if CounterRng.uniform(seed, i) < p, else 1/(1-p); y = x * mask.
     * The mask is a function of (seed, i) only, so every backend drops the same units. 0 <= p < 1.
     */
    void dropoutForward(Tensor y, Tensor mask, Tensor x, float p, long seed);

    /** dx = dy * mask; dx may be dy (in place). */
    void dropoutBackward(Tensor dx, Tensor dy, Tensor mask);

    /**
     * Batch norm in training: normalizes with the batch statistics of x, saves mean and 1/sqrt(var + eps)
     * for backward, and updates the running statistics. y, x: (N, C, H, W); all others: (C).
     */
    void batchNormForwardTraining(Tensor y, Tensor savedMean, Tensor savedInvStd, Tensor runningMean, Tensor runningVar,
                                  Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec);

    /** Batch norm at inference, with the running statistics. y, x: (N, C, H, W); all others: (C). */
    void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                   BatchNormSpec spec);

    /** dx = gradient of training batch norm; dgamma, dbeta +=. dx, dy, x: (N, C, H, W); others: (C). */
    void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dy, Tensor x, Tensor gamma,
                           Tensor savedMean, Tensor savedInvStd, BatchNormSpec spec);

    // ---- loss and update ---------------------------------------------------------------------

    /** probs = softmax(logits) per row. probs, logits: (N, classes). */
    void softmaxForward(Tensor probs, Tensor logits);

    /**
     * probs = softmax(logits); returns the mean over the batch of -log probs[n][labels[n]].
     * probs, logits: (N, classes); labels: N class indices in [0, classes).
     */
    float softmaxCrossEntropyForward(Tensor probs, Tensor logits, int[] labels);

    /** dlogits = (probs - onehot(labels)) / N, the gradient of the mean loss. */
    void softmaxCrossEntropyBackward(Tensor dlogits, Tensor probs, int[] labels);

    /** One SGD step over whole arenas (see {@link SgdSpec}). weights, velocity, grads: same size. */
    void sgdUpdate(Tensor weights, Tensor velocity, Tensor grads, SgdSpec spec);

    /**
     * Runs {@code work} once, as an ordinary call, and records the ops it issued so that {@link Replay#replay()}
     * issues them again, on the same tensors with the same arguments (a GPU backend replays them as one CUDA graph
     * instead of launching op by op). {@code work} must issue only ops of this backend, the same ones each time, and
     * nothing that needs the host while it is recorded: no host copies, no synchronize, no returned loss, labels
     * the same as in the first run; a backend that records refuses those with an IllegalStateException. Host values
     * computed inside {@code work} (a dropout seed, a learning rate) are those of the recording. A recording holds
     * device addresses: once a tensor of this backend is freed, or its scratch is replaced by a larger block (ops on
     * larger shapes), a backend that records refuses to replay with an IllegalStateException (record again). The
     * default records nothing: replay() runs {@code work} again, op by op, which is what a replay must equal.
     */
    default Replay capture(Runnable work) {
        work.run();
        return work::run;
    }

    /** Recorded ops, see {@link #capture}; close() frees what the recording holds. */
    interface Replay extends AutoCloseable {
        /** Issues the recorded ops again (asynchronously, as any op). */
        void replay();

        @Override default void close() {}
    }

    /** Frees everything this backend still holds. */
    @Override void close();
}
