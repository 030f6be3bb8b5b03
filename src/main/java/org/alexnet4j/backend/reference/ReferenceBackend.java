package org.alexnet4j.backend.reference;

import static org.alexnet4j.backend.host.HostStorage.FLOAT;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.alexnet4j.backend.AdaptivePoolShape;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.LinearShape;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.backend.host.HostStorage;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * The reference backend, the oracle every other backend is compared with: each op checks its shapes,
 * reads its float32 tensors into float64 arrays, runs {@link ReferenceMath} and rounds the results back
 * to float32 once. Single-threaded and synchronous; it never fuses ops.
 */
public final class ReferenceBackend implements Backend {
    static final String NAME = "reference";
    static final String DESCRIPTION = "reference: scalar Java loops in float64, one thread";

    private final List<HostStorage> allocated = new ArrayList<>();
    private boolean closed;

    @Override public String name() { return NAME; }

    @Override public String description() { return DESCRIPTION; }

    // ---- memory ------------------------------------------------------------------------------

    @Override public synchronized Tensor allocate(Shape shape) {
        if (closed) throw new IllegalStateException("reference backend is closed; cannot allocate " + shape);
        HostStorage storage = new HostStorage(shape.size(), NAME);
        allocated.add(storage);
        return Tensor.owning(shape, storage);
    }

    @Override public void copyFromHost(Tensor dst, float[] src, int srcOffset) {
        MemorySegment target = segment(dst, "copyFromHost dst");
        checkRange("copyFromHost src", src.length, srcOffset, dst.size());
        MemorySegment.copy(src, srcOffset, target, FLOAT, 0, (int) dst.size());
    }

    @Override public void copyToHost(float[] dst, int dstOffset, Tensor src) {
        MemorySegment source = segment(src, "copyToHost src");
        checkRange("copyToHost dst", dst.length, dstOffset, src.size());
        MemorySegment.copy(source, FLOAT, 0, dst, dstOffset, (int) src.size());
    }

    private static void checkRange(String role, int arrayLength, int offset, long count) {
        if (offset < 0 || offset + count > arrayLength) {
            throw new IndexOutOfBoundsException(role + ": " + count + " floats at offset " + offset + " do not fit in an array of " + arrayLength);
        }
    }

    @Override public void fill(Tensor t, float value) {
        MemorySegment memory = segment(t, "fill t");
        for (long i = 0; i < t.size(); i++) memory.setAtIndex(FLOAT, i, value);
    }

    @Override public void copy(Tensor dst, Tensor src) {
        if (dst.size() != src.size()) throw new ShapeException("copy: dst " + dst.shape() + " and src " + src.shape() + " differ in size");
        MemorySegment.copy(segment(src, "copy src"), 0, segment(dst, "copy dst"), 0, src.size() * Float.BYTES);
    }

    /** Every op has finished when it returns. */
    @Override public void synchronize() {}

    // ---- convolution -------------------------------------------------------------------------

    @Override public void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec) {
        require(y, spec.outputShape(x.shape(), w.shape()), "conv2dForward y");
        if (bias != null) require(bias, Shape.of(w.shape().dim(0)), "conv2dForward bias");
        DoubleTensor result = output(y, "conv2dForward y");
        ReferenceMath.conv2dForward(result, read(x, "conv2dForward x"), read(w, "conv2dForward w"),
                bias == null ? null : read(bias, "conv2dForward bias"), spec);
        write(y, result, "conv2dForward y");
    }

    @Override public void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, ConvSpec spec) {
        require(dy, spec.outputShape(dx.shape(), w.shape()), "conv2dBackwardData dy");
        DoubleTensor result = output(dx, "conv2dBackwardData dx");
        ReferenceMath.conv2dBackwardData(result, read(dy, "conv2dBackwardData dy"), read(w, "conv2dBackwardData w"), spec);
        write(dx, result, "conv2dBackwardData dx");
    }

    @Override public void conv2dBackwardFilter(Tensor dw, Tensor dy, Tensor x, ConvSpec spec) {
        require(dy, spec.outputShape(x.shape(), dw.shape()), "conv2dBackwardFilter dy");
        DoubleTensor result = read(dw, "conv2dBackwardFilter dw");
        ReferenceMath.conv2dBackwardFilter(result, read(dy, "conv2dBackwardFilter dy"), read(x, "conv2dBackwardFilter x"), spec);
        write(dw, result, "conv2dBackwardFilter dw");
    }

    @Override public void biasBackward(Tensor db, Tensor dy) {
        if (dy.shape().rank() < 2) throw new ShapeException("biasBackward dy: expected rank >= 2 (N, K, ...), got " + dy.shape());
        require(db, Shape.of(dy.shape().dim(1)), "biasBackward db");
        DoubleTensor result = read(db, "biasBackward db");
        ReferenceMath.biasBackward(result, read(dy, "biasBackward dy"));
        write(db, result, "biasBackward db");
    }

    // ---- fully connected ---------------------------------------------------------------------

    @Override public void linearForward(Tensor y, Tensor x, Tensor w, Tensor bias) {
        LinearShape.check("linearForward", y, x, w, bias);
        DoubleTensor result = output(y, "linearForward y");
        ReferenceMath.linearForward(result, read(x, "linearForward x"), read(w, "linearForward w"),
                bias == null ? null : read(bias, "linearForward bias"));
        write(y, result, "linearForward y");
    }

    @Override public void linearBackwardData(Tensor dx, Tensor dy, Tensor w) {
        LinearShape.check("linearBackwardData", dy, dx, w, null);
        DoubleTensor result = output(dx, "linearBackwardData dx");
        ReferenceMath.linearBackwardData(result, read(dy, "linearBackwardData dy"), read(w, "linearBackwardData w"));
        write(dx, result, "linearBackwardData dx");
    }

    @Override public void linearBackwardWeight(Tensor dw, Tensor dy, Tensor x) {
        LinearShape.check("linearBackwardWeight", dy, x, dw, null);
        DoubleTensor result = read(dw, "linearBackwardWeight dw");
        ReferenceMath.linearBackwardWeight(result, read(dy, "linearBackwardWeight dy"), read(x, "linearBackwardWeight x"));
        write(dw, result, "linearBackwardWeight dw");
    }

    // ---- pooling, normalization, activation --------------------------------------------------

    @Override public void maxPoolForward(Tensor y, Tensor x, PoolSpec spec) {
        require(y, spec.outputShape(x.shape()), "maxPoolForward y");
        DoubleTensor result = output(y, "maxPoolForward y");
        ReferenceMath.maxPoolForward(result, read(x, "maxPoolForward x"), spec);
        write(y, result, "maxPoolForward y");
    }

    /** Routes by the argmax of x, recomputed in float64; y is checked but not needed. */
    @Override public void maxPoolBackward(Tensor dx, Tensor dy, Tensor y, Tensor x, PoolSpec spec) {
        Shape pooled = spec.outputShape(x.shape());
        require(dy, pooled, "maxPoolBackward dy");
        require(y, pooled, "maxPoolBackward y");
        require(dx, x.shape(), "maxPoolBackward dx");
        segment(y, "maxPoolBackward y"); // ownership only: the routing reads x
        DoubleTensor result = output(dx, "maxPoolBackward dx");
        ReferenceMath.maxPoolBackward(result, read(dy, "maxPoolBackward dy"), read(x, "maxPoolBackward x"), spec);
        write(dx, result, "maxPoolBackward dx");
    }

    @Override public void adaptiveAvgPoolForward(Tensor y, Tensor x) {
        AdaptivePoolShape.check("adaptiveAvgPoolForward y", y, "adaptiveAvgPoolForward x", x);
        DoubleTensor result = output(y, "adaptiveAvgPoolForward y");
        ReferenceMath.adaptiveAvgPoolForward(result, read(x, "adaptiveAvgPoolForward x"));
        write(y, result, "adaptiveAvgPoolForward y");
    }

    @Override public void adaptiveAvgPoolBackward(Tensor dx, Tensor dy) {
        AdaptivePoolShape.check("adaptiveAvgPoolBackward dy", dy, "adaptiveAvgPoolBackward dx", dx);
        DoubleTensor result = output(dx, "adaptiveAvgPoolBackward dx");
        ReferenceMath.adaptiveAvgPoolBackward(result, read(dy, "adaptiveAvgPoolBackward dy"));
        write(dx, result, "adaptiveAvgPoolBackward dx");
    }

    /** pooled (N, C, P, Q) must match input (N, C, H, W) in N and C; the spatial sizes are free. */
    @Override public void lrnForward(Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        Shape shape = x.shape().requireRank(4, "lrnForward x (N, C, H, W)");
        require(y, shape, "lrnForward y");
        require(scale, shape, "lrnForward scale");
        DoubleTensor result = output(y, "lrnForward y"), scaleResult = output(scale, "lrnForward scale");
        ReferenceMath.lrnForward(result, scaleResult, read(x, "lrnForward x"), spec);
        write(y, result, "lrnForward y");
        write(scale, scaleResult, "lrnForward scale");
    }

    @Override public void lrnBackward(Tensor dx, Tensor dy, Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        Shape shape = x.shape().requireRank(4, "lrnBackward x (N, C, H, W)");
        require(dx, shape, "lrnBackward dx");
        require(dy, shape, "lrnBackward dy");
        require(y, shape, "lrnBackward y");
        require(scale, shape, "lrnBackward scale");
        DoubleTensor result = output(dx, "lrnBackward dx");
        ReferenceMath.lrnBackward(result, read(dy, "lrnBackward dy"), read(y, "lrnBackward y"),
                read(scale, "lrnBackward scale"), read(x, "lrnBackward x"), spec);
        write(dx, result, "lrnBackward dx");
    }

    @Override public void reluForward(Tensor y, Tensor x) {
        require(y, x.shape(), "reluForward y");
        DoubleTensor result = output(y, "reluForward y");
        ReferenceMath.reluForward(result, read(x, "reluForward x"));
        write(y, result, "reluForward y");
    }

    @Override public void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        require(dy, y.shape(), "reluBackward dy");
        require(dx, y.shape(), "reluBackward dx");
        DoubleTensor result = output(dx, "reluBackward dx");
        ReferenceMath.reluBackward(result, read(dy, "reluBackward dy"), read(y, "reluBackward y"));
        write(dx, result, "reluBackward dx");
    }

    @Override public void dropoutForward(Tensor y, Tensor mask, Tensor x, float p, long seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropoutForward: p must be in [0, 1), got " + p);
        require(y, x.shape(), "dropoutForward y");
        require(mask, x.shape(), "dropoutForward mask");
        DoubleTensor result = output(y, "dropoutForward y"), maskResult = output(mask, "dropoutForward mask");
        ReferenceMath.dropoutForward(result, maskResult, read(x, "dropoutForward x"), p, seed);
        write(y, result, "dropoutForward y");
        write(mask, maskResult, "dropoutForward mask");
    }

    @Override public void dropoutBackward(Tensor dx, Tensor dy, Tensor mask) {
        require(dy, mask.shape(), "dropoutBackward dy");
        require(dx, mask.shape(), "dropoutBackward dx");
        DoubleTensor result = output(dx, "dropoutBackward dx");
        ReferenceMath.dropoutBackward(result, read(dy, "dropoutBackward dy"), read(mask, "dropoutBackward mask"));
        write(dx, result, "dropoutBackward dx");
    }

    @Override public void batchNormForwardTraining(Tensor y, Tensor savedMean, Tensor savedInvStd, Tensor runningMean,
                                                   Tensor runningVar, Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec) {
        String op = "batchNormForwardTraining";
        Shape channels = batchNormChannels(op, x);
        require(y, x.shape(), op + " y");
        require(gamma, channels, op + " gamma");
        require(beta, channels, op + " beta");
        if (x.size() / channels.dim(0) < 2) {
            throw new IllegalArgumentException(op + ": needs more than one value per channel to estimate a variance, got x " + x.shape());
        }
        require(savedMean, channels, op + " savedMean");
        require(savedInvStd, channels, op + " savedInvStd");
        require(runningMean, channels, op + " runningMean");
        require(runningVar, channels, op + " runningVar");
        DoubleTensor result = output(y, op + " y"), mean = output(savedMean, op + " savedMean"), invStd = output(savedInvStd, op + " savedInvStd");
        DoubleTensor newRunningMean = read(runningMean, op + " runningMean"), newRunningVar = read(runningVar, op + " runningVar");
        ReferenceMath.batchNormForwardTraining(result, mean, invStd, newRunningMean, newRunningVar,
                read(x, op + " x"), read(gamma, op + " gamma"), read(beta, op + " beta"), spec);
        write(y, result, op + " y");
        write(savedMean, mean, op + " savedMean");
        write(savedInvStd, invStd, op + " savedInvStd");
        write(runningMean, newRunningMean, op + " runningMean");
        write(runningVar, newRunningVar, op + " runningVar");
    }

    @Override public void batchNormForwardInference(Tensor y, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
                                                    Tensor runningVar, BatchNormSpec spec) {
        String op = "batchNormForwardInference";
        Shape channels = batchNormChannels(op, x);
        require(y, x.shape(), op + " y");
        require(gamma, channels, op + " gamma");
        require(beta, channels, op + " beta");
        require(runningMean, channels, op + " runningMean");
        require(runningVar, channels, op + " runningVar");
        DoubleTensor result = output(y, op + " y");
        ReferenceMath.batchNormForwardInference(result, read(x, op + " x"), read(gamma, op + " gamma"), read(beta, op + " beta"),
                read(runningMean, op + " runningMean"), read(runningVar, op + " runningVar"), spec);
        write(y, result, op + " y");
    }

    /** Batch norm's own spec is not needed by backward: epsilon is already inside savedInvStd. */
    @Override public void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dy, Tensor x, Tensor gamma,
                                            Tensor savedMean, Tensor savedInvStd, BatchNormSpec spec) {
        String op = "batchNormBackward";
        Shape channels = batchNormChannels(op, x);
        require(dx, x.shape(), op + " dx");
        require(dy, x.shape(), op + " dy");
        require(gamma, channels, op + " gamma");
        require(dgamma, channels, op + " dgamma");
        require(dbeta, channels, op + " dbeta");
        require(savedMean, channels, op + " savedMean");
        require(savedInvStd, channels, op + " savedInvStd");
        DoubleTensor result = output(dx, op + " dx");
        DoubleTensor gammaGradient = read(dgamma, op + " dgamma"), betaGradient = read(dbeta, op + " dbeta");
        ReferenceMath.batchNormBackward(result, gammaGradient, betaGradient, read(dy, op + " dy"), read(x, op + " x"),
                read(gamma, op + " gamma"), read(savedMean, op + " savedMean"), read(savedInvStd, op + " savedInvStd"));
        write(dx, result, op + " dx");
        write(dgamma, gammaGradient, op + " dgamma");
        write(dbeta, betaGradient, op + " dbeta");
    }

    /** Checks that x is (N, C, H, W) and returns the shape (C) of the per-channel tensors. */
    private static Shape batchNormChannels(String op, Tensor x) {
        return Shape.of(x.shape().requireRank(4, op + " x (N, C, H, W)").dim(1));
    }

    // ---- loss and update ---------------------------------------------------------------------

    @Override public void softmaxForward(Tensor probs, Tensor logits) {
        logits.shape().requireRank(2, "softmaxForward logits (N, classes)");
        require(probs, logits.shape(), "softmaxForward probs");
        DoubleTensor result = output(probs, "softmaxForward probs");
        ReferenceMath.softmaxForward(result, read(logits, "softmaxForward logits"));
        write(probs, result, "softmaxForward probs");
    }

    @Override public float softmaxCrossEntropyForward(Tensor probs, Tensor logits, int[] labels) {
        Shape shape = logits.shape().requireRank(2, "softmaxCrossEntropyForward logits (N, classes)");
        require(probs, shape, "softmaxCrossEntropyForward probs");
        checkLabels("softmaxCrossEntropyForward", labels, shape);
        DoubleTensor result = output(probs, "softmaxCrossEntropyForward probs");
        double loss = ReferenceMath.softmaxCrossEntropyForward(result, read(logits, "softmaxCrossEntropyForward logits"), labels);
        write(probs, result, "softmaxCrossEntropyForward probs");
        return (float) loss;
    }

    @Override public void softmaxCrossEntropyBackward(Tensor dlogits, Tensor probs, int[] labels) {
        Shape shape = probs.shape().requireRank(2, "softmaxCrossEntropyBackward probs (N, classes)");
        require(dlogits, shape, "softmaxCrossEntropyBackward dlogits");
        checkLabels("softmaxCrossEntropyBackward", labels, shape);
        DoubleTensor result = output(dlogits, "softmaxCrossEntropyBackward dlogits");
        ReferenceMath.softmaxCrossEntropyBackward(result, read(probs, "softmaxCrossEntropyBackward probs"), labels);
        write(dlogits, result, "softmaxCrossEntropyBackward dlogits");
    }

    /** One label per row of (N, classes), each in [0, classes). */
    private static void checkLabels(String op, int[] labels, Shape shape) {
        if (labels == null) throw new NullPointerException(op + " labels is null");
        if (labels.length != shape.dim(0)) {
            throw new IllegalArgumentException(op + " labels: expected " + shape.dim(0) + " labels for logits " + shape + ", got " + labels.length);
        }
        for (int n = 0; n < labels.length; n++) {
            if (labels[n] < 0 || labels[n] >= shape.dim(1)) {
                throw new IllegalArgumentException(op + " labels[" + n + "] = " + labels[n] + " is outside [0, " + shape.dim(1) + ") for " + shape.dim(1) + " classes");
            }
        }
    }

    @Override public void sgdUpdate(Tensor weights, Tensor velocity, Tensor grads, SgdSpec spec) {
        if (velocity.size() != weights.size() || grads.size() != weights.size()) {
            throw new ShapeException("sgdUpdate: weights " + weights.shape() + ", velocity " + velocity.shape() + " and grads "
                    + grads.shape() + " must have the same size");
        }
        DoubleTensor newWeights = read(weights, "sgdUpdate weights"), newVelocity = read(velocity, "sgdUpdate velocity");
        ReferenceMath.sgdUpdate(newWeights, newVelocity, read(grads, "sgdUpdate grads"), spec);
        write(weights, newWeights, "sgdUpdate weights");
        write(velocity, newVelocity, "sgdUpdate velocity");
    }

    @Override public synchronized void close() {
        closed = true;
        allocated.forEach(HostStorage::close);
        allocated.clear();
    }

    // ---- float32 tensors <-> float64 arrays ----------------------------------------------------

    private static void require(Tensor t, Shape expected, String role) {
        if (t == null) throw new NullPointerException(role + " is null");
        t.shape().require(expected, role);
    }

    /** t's memory, after checking that this backend owns it; role names the argument ("op arg"). */
    private static MemorySegment segment(Tensor t, String role) { return HostStorage.segment(t, NAME, role); }

    /** t's values widened to float64. */
    private static DoubleTensor read(Tensor t, String role) {
        MemorySegment memory = segment(t, role);
        DoubleTensor values = DoubleTensor.zeros(t.shape());
        for (int i = 0; i < values.data().length; i++) values.data()[i] = memory.getAtIndex(FLOAT, i);
        return values;
    }

    /** A zeroed float64 array for output t, after checking that this backend owns t (before any write). */
    private static DoubleTensor output(Tensor t, String role) {
        segment(t, role);
        return DoubleTensor.zeros(t.shape());
    }

    /** t = values rounded to float32, the only rounding an op does. */
    private static void write(Tensor t, DoubleTensor values, String role) {
        MemorySegment memory = segment(t, role);
        for (int i = 0; i < values.data().length; i++) memory.setAtIndex(FLOAT, i, (float) values.data()[i]);
    }
}
