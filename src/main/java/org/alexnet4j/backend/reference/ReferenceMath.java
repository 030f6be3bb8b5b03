package org.alexnet4j.backend.reference;

import java.util.Arrays;
import java.util.function.Consumer;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.tensor.Shape;

/**
 * The math of every {@link org.alexnet4j.backend.Backend} op in float64 with plain loops: the executable
 * specification that the reference backend runs and the finite-difference tests differentiate.
 * Each function has its Backend op's semantics: activations and data gradients are overwritten,
 * parameter gradients are added to. Shapes are taken from the operands and were checked by the caller.
 */
final class ReferenceMath {
    private ReferenceMath() {}

    /** One term y[yIndex] ~ x[xIndex] * w[wIndex] of a convolution or a matrix product (flat indices). */
    @FunctionalInterface
    private interface ProductTerm { void accept(int yIndex, int xIndex, int wIndex); }

    /** One term y[yIndex] ~ weight * x[xIndex] of a fixed linear map such as average pooling. */
    @FunctionalInterface
    private interface WeightedTerm { void accept(int yIndex, int xIndex, double weight); }

    // ---- convolution -------------------------------------------------------------------------

    /**
     * Visits every product term of conv(x, w): each output cell (n, k, p, q) with each tap (c, r, s) of
     * filter k that lands inside x. Padding contributes zeros, so padded taps are skipped. Output channel
     * k belongs to group k / (K/groups) and reads only that group's C/groups input channels.
     */
    private static void forEachConvTerm(Shape x, Shape w, ConvSpec spec, ProductTerm term) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
        int K = w.dim(0), R = w.dim(2), S = w.dim(3);
        int channelsPerGroup = C / spec.groups(), filtersPerGroup = K / spec.groups();
        int P = ConvSpec.outputSize(H, R, spec.strideH(), spec.padH());
        int Q = ConvSpec.outputSize(W, S, spec.strideW(), spec.padW());
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < K; k++) {
                int firstChannel = (k / filtersPerGroup) * channelsPerGroup;
                for (int p = 0; p < P; p++) {
                    for (int q = 0; q < Q; q++) {
                        int yIndex = ((n * K + k) * P + p) * Q + q;
                        for (int c = 0; c < channelsPerGroup; c++) {
                            for (int r = 0; r < R; r++) {
                                int h = p * spec.strideH() - spec.padH() + r;
                                if (h < 0 || h >= H) continue;
                                for (int s = 0; s < S; s++) {
                                    int col = q * spec.strideW() - spec.padW() + s;
                                    if (col < 0 || col >= W) continue;
                                    int xIndex = ((n * C + firstChannel + c) * H + h) * W + col;
                                    int wIndex = ((k * channelsPerGroup + c) * R + r) * S + s;
                                    term.accept(yIndex, xIndex, wIndex);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** y = conv(x, w) + bias. y: (N, K, P, Q), x: (N, C, H, W), w: (K, C/groups, R, S), bias: (K) or null. */
    static void conv2dForward(DoubleTensor y, DoubleTensor x, DoubleTensor w, DoubleTensor bias, ConvSpec spec) {
        fillWithBias(y, bias);
        double[] yd = y.data(), xd = x.data(), wd = w.data();
        forEachConvTerm(x.shape(), w.shape(), spec, (yi, xi, wi) -> yd[yi] += xd[xi] * wd[wi]);
    }

    /** dx = gradient of conv w.r.t. x. dx: (N, C, H, W), dy: (N, K, P, Q), w: (K, C/groups, R, S). */
    static void conv2dBackwardData(DoubleTensor dx, DoubleTensor dy, DoubleTensor w, ConvSpec spec) {
        Arrays.fill(dx.data(), 0);
        double[] dxd = dx.data(), dyd = dy.data(), wd = w.data();
        forEachConvTerm(dx.shape(), w.shape(), spec, (yi, xi, wi) -> dxd[xi] += dyd[yi] * wd[wi]);
    }

    /** dw += gradient of conv w.r.t. w. dw: (K, C/groups, R, S), dy: (N, K, P, Q), x: (N, C, H, W). */
    static void conv2dBackwardFilter(DoubleTensor dw, DoubleTensor dy, DoubleTensor x, ConvSpec spec) {
        double[] dwd = dw.data(), dyd = dy.data(), xd = x.data();
        forEachConvTerm(x.shape(), dw.shape(), spec, (yi, xi, wi) -> dwd[wi] += dyd[yi] * xd[xi]);
    }

    /** The channel (axis 1) of flat index i in a tensor (N, K, ...): bias k applies to every element of channel k. */
    private static int channelOf(int i, Shape shape) {
        int K = shape.dim(1), elementsPerChannel = (int) (shape.itemSize() / K);
        return (i / elementsPerChannel) % K;
    }

    /** y[n][k][...] = bias[k], or 0 when bias is null. y: (N, K, ...). */
    private static void fillWithBias(DoubleTensor y, DoubleTensor bias) {
        for (int i = 0; i < y.data().length; i++) y.data()[i] = bias == null ? 0 : bias.data()[channelOf(i, y.shape())];
    }

    /** db[k] += sum of dy over every axis but 1. db: (K), dy: (N, K, ...). */
    static void biasBackward(DoubleTensor db, DoubleTensor dy) {
        for (int i = 0; i < dy.data().length; i++) db.data()[channelOf(i, dy.shape())] += dy.data()[i];
    }

    // ---- fully connected ---------------------------------------------------------------------

    /** Visits every product term of y = x w^T: y[n][o] ~ x[n][i] * w[o][i]. x: (N, in), w: (out, in). */
    private static void forEachLinearTerm(Shape x, Shape w, ProductTerm term) {
        int N = x.dim(0), in = x.dim(1), out = w.dim(0);
        for (int n = 0; n < N; n++) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) term.accept(n * out + o, n * in + i, o * in + i);
            }
        }
    }

    /** y = x w^T + bias. y: (N, out), x: (N, in), w: (out, in), bias: (out) or null. */
    static void linearForward(DoubleTensor y, DoubleTensor x, DoubleTensor w, DoubleTensor bias) {
        fillWithBias(y, bias);
        double[] yd = y.data(), xd = x.data(), wd = w.data();
        forEachLinearTerm(x.shape(), w.shape(), (yi, xi, wi) -> yd[yi] += xd[xi] * wd[wi]);
    }

    /** dx = dy w. dx: (N, in), dy: (N, out), w: (out, in). */
    static void linearBackwardData(DoubleTensor dx, DoubleTensor dy, DoubleTensor w) {
        Arrays.fill(dx.data(), 0);
        double[] dxd = dx.data(), dyd = dy.data(), wd = w.data();
        forEachLinearTerm(dx.shape(), w.shape(), (yi, xi, wi) -> dxd[xi] += dyd[yi] * wd[wi]);
    }

    /** dw += dy^T x. dw: (out, in), dy: (N, out), x: (N, in). */
    static void linearBackwardWeight(DoubleTensor dw, DoubleTensor dy, DoubleTensor x) {
        double[] dwd = dw.data(), dyd = dy.data(), xd = x.data();
        forEachLinearTerm(x.shape(), dw.shape(), (yi, xi, wi) -> dwd[wi] += dyd[yi] * xd[xi]);
    }

    // ---- pooling -----------------------------------------------------------------------------

    /**
     * The flat index into x of the maximum of pooling window (n, c, p, q): the first maximum in row-major
     * window order; padded cells never win (the spec keeps at least one real cell in every window);
     * a NaN wins at once so that it propagates. x: (N, C, H, W).
     */
    private static int windowArgmax(DoubleTensor x, int n, int c, int p, int q, PoolSpec spec) {
        int C = x.dim(1), H = x.dim(2), W = x.dim(3);
        int best = -1;
        for (int r = 0; r < spec.windowH(); r++) {
            int h = p * spec.strideH() - spec.padH() + r;
            if (h < 0 || h >= H) continue;
            for (int s = 0; s < spec.windowW(); s++) {
                int col = q * spec.strideW() - spec.padW() + s;
                if (col < 0 || col >= W) continue;
                int index = ((n * C + c) * H + h) * W + col;
                double v = x.data()[index];
                if (Double.isNaN(v)) return index;
                if (best < 0 || v > x.data()[best]) best = index;
            }
        }
        return best;
    }

    /** Visits each pooling window with its maximum: the term y[yIndex] = 1 * x[argmax]. y: (N, C, P, Q). */
    private static void forEachWindowMaximum(Shape y, DoubleTensor x, PoolSpec spec, WeightedTerm term) {
        int N = y.dim(0), C = y.dim(1), P = y.dim(2), Q = y.dim(3);
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                for (int p = 0; p < P; p++) {
                    for (int q = 0; q < Q; q++) {
                        term.accept(((n * C + c) * P + p) * Q + q, windowArgmax(x, n, c, p, q, spec), 1);
                    }
                }
            }
        }
    }

    /** y = x max-pooled over each window. y: (N, C, P, Q), x: (N, C, H, W). */
    static void maxPoolForward(DoubleTensor y, DoubleTensor x, PoolSpec spec) {
        applyPooling(y, x, term -> forEachWindowMaximum(y.shape(), x, spec, term));
    }

    /** dx = dy routed to each window's maximum, summed where windows overlap. dx, x: (N, C, H, W), dy: (N, C, P, Q). */
    static void maxPoolBackward(DoubleTensor dx, DoubleTensor dy, DoubleTensor x, PoolSpec spec) {
        applyPoolingTransposed(dx, dy, term -> forEachWindowMaximum(dy.shape(), x, spec, term));
    }

    /**
     * Visits every term of adaptive average pooling from x to y: output cell (i, j) averages input rows
     * floor(i*H/P) .. ceil((i+1)*H/P)-1 and columns floor(j*W/Q) .. ceil((j+1)*W/Q)-1 (PyTorch's rule;
     * windows may overlap, and P > H repeats rows). x: (N, C, H, W), y: (N, C, P, Q).
     */
    private static void forEachAdaptiveAverageTerm(Shape x, Shape y, WeightedTerm term) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), P = y.dim(2), Q = y.dim(3);
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                for (int i = 0; i < P; i++) {
                    int rowStart = i * H / P, rowEnd = Math.ceilDiv((i + 1) * H, P);
                    for (int j = 0; j < Q; j++) {
                        int colStart = j * W / Q, colEnd = Math.ceilDiv((j + 1) * W, Q);
                        double weight = 1.0 / ((rowEnd - rowStart) * (colEnd - colStart));
                        int yIndex = ((n * C + c) * P + i) * Q + j;
                        for (int h = rowStart; h < rowEnd; h++) {
                            for (int col = colStart; col < colEnd; col++) {
                                term.accept(yIndex, ((n * C + c) * H + h) * W + col, weight);
                            }
                        }
                    }
                }
            }
        }
    }

    /** y = adaptive average pool of x to y's spatial size. y: (N, C, P, Q), x: (N, C, H, W). */
    static void adaptiveAvgPoolForward(DoubleTensor y, DoubleTensor x) {
        applyPooling(y, x, term -> forEachAdaptiveAverageTerm(x.shape(), y.shape(), term));
    }

    /** dx = gradient of adaptive average pooling: each dy spread evenly over its window, summed. dx: (N, C, H, W), dy: (N, C, P, Q). */
    static void adaptiveAvgPoolBackward(DoubleTensor dx, DoubleTensor dy) {
        applyPoolingTransposed(dx, dy, term -> forEachAdaptiveAverageTerm(dx.shape(), dy.shape(), term));
    }

    /** A pooling is a linear map given its terms: y[yIndex] = sum of weight * x[xIndex]. */
    private static void applyPooling(DoubleTensor y, DoubleTensor x, Consumer<WeightedTerm> terms) {
        Arrays.fill(y.data(), 0);
        double[] yd = y.data(), xd = x.data();
        terms.accept((yi, xi, weight) -> yd[yi] += weight * xd[xi]);
    }

    /** Its gradient is the transposed map: dx[xIndex] = sum of weight * dy[yIndex]. */
    private static void applyPoolingTransposed(DoubleTensor dx, DoubleTensor dy, Consumer<WeightedTerm> terms) {
        Arrays.fill(dx.data(), 0);
        double[] dxd = dx.data(), dyd = dy.data();
        terms.accept((yi, xi, weight) -> dxd[xi] += weight * dyd[yi]);
    }

    // ---- local response normalization ----------------------------------------------------------

    /** First channel of the LRN window centred on c (the window is clipped to the channels 0 .. C-1). */
    private static int windowFirst(int c, LrnSpec spec) { return Math.max(0, c - spec.size() / 2); }

    /** Last channel (inclusive) of the LRN window centred on c. */
    private static int windowLast(int c, int C, LrnSpec spec) { return Math.min(C - 1, c + spec.size() / 2); }

    /**
     * y = x / scale^beta with scale[c] = k + (alpha/n) * sum over the channel window of x^2 (cuDNN's
     * alpha/n; channels outside 0 .. C-1 count as zero). y, scale, x: (N, C, H, W).
     */
    static void lrnForward(DoubleTensor y, DoubleTensor scale, DoubleTensor x, LrnSpec spec) {
        int N = x.dim(0), C = x.dim(1), cells = x.dim(2) * x.dim(3);
        double[] xd = x.data();
        for (int n = 0; n < N; n++) {
            for (int cell = 0; cell < cells; cell++) {
                for (int c = 0; c < C; c++) {
                    double sumOfSquares = 0;
                    for (int j = windowFirst(c, spec); j <= windowLast(c, C, spec); j++) {
                        double v = xd[(n * C + j) * cells + cell];
                        sumOfSquares += v * v;
                    }
                    int index = (n * C + c) * cells + cell;
                    scale.data()[index] = spec.k() + spec.alpha() / spec.size() * sumOfSquares;
                    y.data()[index] = xd[index] * Math.pow(scale.data()[index], -spec.beta());
                }
            }
        }
    }

    /**
     * dx[c] = dy[c] * scale[c]^-beta - 2*(alpha/n)*beta * x[c] * sum over j with c in window(j) of
     * dy[j]*y[j]/scale[j]; windows are symmetric, so j runs over window(c). All (N, C, H, W).
     */
    static void lrnBackward(DoubleTensor dx, DoubleTensor dy, DoubleTensor y, DoubleTensor scale, DoubleTensor x, LrnSpec spec) {
        int N = x.dim(0), C = x.dim(1), cells = x.dim(2) * x.dim(3);
        for (int n = 0; n < N; n++) {
            for (int cell = 0; cell < cells; cell++) {
                for (int c = 0; c < C; c++) {
                    double cross = 0;
                    for (int j = windowFirst(c, spec); j <= windowLast(c, C, spec); j++) {
                        int other = (n * C + j) * cells + cell;
                        cross += dy.data()[other] * y.data()[other] / scale.data()[other];
                    }
                    int index = (n * C + c) * cells + cell;
                    dx.data()[index] = dy.data()[index] * Math.pow(scale.data()[index], -spec.beta())
                            - 2 * spec.alpha() / spec.size() * spec.beta() * x.data()[index] * cross;
                }
            }
        }
    }

    // ---- activation and dropout --------------------------------------------------------------

    /** y = max(x, 0); NaN stays NaN. */
    static void reluForward(DoubleTensor y, DoubleTensor x) {
        for (int i = 0; i < x.data().length; i++) y.data()[i] = Math.max(x.data()[i], 0.0);
    }

    /** dx = dy where y > 0, else 0. */
    static void reluBackward(DoubleTensor dx, DoubleTensor dy, DoubleTensor y) {
        for (int i = 0; i < y.data().length; i++) dx.data()[i] = y.data()[i] > 0 ? dy.data()[i] : 0;
    }

    /** mask[i] = 0 if CounterRng.uniform(seed, i) &lt; p, else 1/(1-p); y = x * mask. 0 &lt;= p &lt; 1. */
    static void dropoutForward(DoubleTensor y, DoubleTensor mask, DoubleTensor x, float p, long seed) {
        double keptScale = 1.0 / (1.0 - p);
        for (int i = 0; i < x.data().length; i++) {
            mask.data()[i] = CounterRng.uniform(seed, i) < p ? 0 : keptScale;
            y.data()[i] = x.data()[i] * mask.data()[i];
        }
    }

    /** dx = dy * mask. */
    static void dropoutBackward(DoubleTensor dx, DoubleTensor dy, DoubleTensor mask) {
        for (int i = 0; i < dy.data().length; i++) dx.data()[i] = dy.data()[i] * mask.data()[i];
    }

    // ---- batch normalization (per channel over N, H, W) ----------------------------------------

    /** The flat indices of channel c of x: (N, C, H, W), in memory order. */
    private static int[] channelIndices(Shape x, int c) {
        int N = x.dim(0), C = x.dim(1), cells = x.dim(2) * x.dim(3);
        int[] indices = new int[N * cells];
        for (int n = 0; n < N; n++) {
            for (int cell = 0; cell < cells; cell++) indices[n * cells + cell] = (n * C + c) * cells + cell;
        }
        return indices;
    }

    /**
     * Training batch norm: mean and biased variance of each channel normalize x; savedMean = mean,
     * savedInvStd = 1/sqrt(var + eps); running = (1-m)*running + m*batch, with the unbiased variance
     * var*M/(M-1), M = N*H*W >= 2. y, x: (N, C, H, W); all others: (C).
     */
    static void batchNormForwardTraining(DoubleTensor y, DoubleTensor savedMean, DoubleTensor savedInvStd,
                                         DoubleTensor runningMean, DoubleTensor runningVar,
                                         DoubleTensor x, DoubleTensor gamma, DoubleTensor beta, BatchNormSpec spec) {
        double[] xd = x.data(), yd = y.data();
        double m = spec.momentum();
        for (int c = 0; c < x.dim(1); c++) {
            int[] channel = channelIndices(x.shape(), c);
            double M = channel.length, sum = 0, squares = 0;
            for (int i : channel) sum += xd[i];
            double mean = sum / M;
            for (int i : channel) squares += (xd[i] - mean) * (xd[i] - mean);
            double variance = squares / M;
            double invStd = 1 / Math.sqrt(variance + spec.epsilon());
            for (int i : channel) yd[i] = gamma.data()[c] * (xd[i] - mean) * invStd + beta.data()[c];
            savedMean.data()[c] = mean;
            savedInvStd.data()[c] = invStd;
            runningMean.data()[c] = (1 - m) * runningMean.data()[c] + m * mean;
            runningVar.data()[c] = (1 - m) * runningVar.data()[c] + m * variance * M / (M - 1);
        }
    }

    /** Inference batch norm: y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta. y, x: (N, C, H, W); others: (C). */
    static void batchNormForwardInference(DoubleTensor y, DoubleTensor x, DoubleTensor gamma, DoubleTensor beta,
                                          DoubleTensor runningMean, DoubleTensor runningVar, BatchNormSpec spec) {
        double[] xd = x.data(), yd = y.data();
        for (int c = 0; c < x.dim(1); c++) {
            double mean = runningMean.data()[c], invStd = 1 / Math.sqrt(runningVar.data()[c] + spec.epsilon());
            for (int i : channelIndices(x.shape(), c)) yd[i] = gamma.data()[c] * (xd[i] - mean) * invStd + beta.data()[c];
        }
    }

    /**
     * Gradient of training batch norm with xhat = (x - mean) * invStd, M = N*H*W:
     * dx = gamma*invStd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat)); dgamma += sum(dy*xhat); dbeta += sum(dy).
     */
    static void batchNormBackward(DoubleTensor dx, DoubleTensor dgamma, DoubleTensor dbeta, DoubleTensor dy,
                                  DoubleTensor x, DoubleTensor gamma, DoubleTensor savedMean, DoubleTensor savedInvStd) {
        double[] xd = x.data(), dyd = dy.data(), dxd = dx.data();
        for (int c = 0; c < x.dim(1); c++) {
            int[] channel = channelIndices(x.shape(), c);
            double M = channel.length, mean = savedMean.data()[c], invStd = savedInvStd.data()[c];
            double sumDy = 0, sumDyXhat = 0;
            for (int i : channel) {
                sumDy += dyd[i];
                sumDyXhat += dyd[i] * (xd[i] - mean) * invStd;
            }
            dgamma.data()[c] += sumDyXhat;
            dbeta.data()[c] += sumDy;
            for (int i : channel) {
                dxd[i] = gamma.data()[c] * invStd / M * (M * dyd[i] - sumDy - (xd[i] - mean) * invStd * sumDyXhat);
            }
        }
    }

    // ---- loss and update ---------------------------------------------------------------------

    /** probs = softmax(logits) per row, as exp(l - logSumExp(row)). probs, logits: (N, classes). */
    static void softmaxForward(DoubleTensor probs, DoubleTensor logits) {
        int N = logits.dim(0), classes = logits.dim(1);
        for (int n = 0; n < N; n++) {
            double logSum = logSumExp(logits, n);
            for (int j = 0; j < classes; j++) probs.data()[n * classes + j] = Math.exp(logits.data()[n * classes + j] - logSum);
        }
    }

    /** log(sum over row n of exp(logits)), shifted by the row's maximum so no exp overflows. */
    private static double logSumExp(DoubleTensor logits, int n) {
        int classes = logits.dim(1);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < classes; j++) max = Math.max(max, logits.data()[n * classes + j]);
        for (int j = 0; j < classes; j++) sum += Math.exp(logits.data()[n * classes + j] - max);
        return max + Math.log(sum);
    }

    /**
     * probs = softmax(logits); returns the mean over rows of -log probs[n][labels[n]], computed as
     * logSumExp(row) - logits[n][label] so it stays finite. Labels are in [0, classes).
     */
    static double softmaxCrossEntropyForward(DoubleTensor probs, DoubleTensor logits, int[] labels) {
        softmaxForward(probs, logits);
        int N = logits.dim(0), classes = logits.dim(1);
        double total = 0;
        for (int n = 0; n < N; n++) total += logSumExp(logits, n) - logits.data()[n * classes + labels[n]];
        return total / N;
    }

    /** dlogits = (probs - onehot(labels)) / N. */
    static void softmaxCrossEntropyBackward(DoubleTensor dlogits, DoubleTensor probs, int[] labels) {
        int N = probs.dim(0), classes = probs.dim(1);
        for (int i = 0; i < probs.data().length; i++) {
            int n = i / classes;
            double onehot = i % classes == labels[n] ? 1 : 0;
            dlogits.data()[i] = (probs.data()[i] - onehot) / N;
        }
    }

    /** The paper's step, element-wise: v = momentum*v - weightDecay*lr*w - lr*grad; w = w + v. */
    static void sgdUpdate(DoubleTensor weights, DoubleTensor velocity, DoubleTensor grads, SgdSpec spec) {
        double lr = spec.learningRate(), momentum = spec.momentum(), decay = spec.weightDecay();
        for (int i = 0; i < weights.data().length; i++) {
            double v = momentum * velocity.data()[i] - decay * lr * weights.data()[i] - lr * grads.data()[i];
            velocity.data()[i] = v;
            weights.data()[i] += v;
        }
    }
}
