package org.alexnet4j.backend.reference;

import static org.alexnet4j.backend.host.HostStorage.FLOAT;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.alexnet4j.backend.AdaptivePoolShape;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.BiasShape;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.Elementwise;
import org.alexnet4j.backend.LinearShape;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.MemoryOps;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.backend.SoftmaxShape;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.backend.host.HostStorage;
import org.alexnet4j.tensor.Shape;
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

    @Override public void requireMemory(String what, long bytes) { HostLimits.requireNative(what, bytes); }

    @Override public void freeze(Tensor t) { HostStorage.freeze(t, NAME); }

    @Override public void copyFromHost(Tensor dst, float[] src, int srcOffset) {
        MemorySegment target = target(dst, "copyFromHost dst");
        MemoryOps.checkHostRange("copyFromHost src", src.length, srcOffset, dst.size());
        MemorySegment.copy(src, srcOffset, target, FLOAT, 0, (int) dst.size());
    }

    @Override public void copyToHost(float[] dst, int dstOffset, Tensor src) {
        MemorySegment source = segment(src, "copyToHost src");
        MemoryOps.checkHostRange("copyToHost dst", dst.length, dstOffset, src.size());
        MemorySegment.copy(source, FLOAT, 0, dst, dstOffset, (int) src.size());
    }

    @Override public void fill(Tensor t, float value) {
        MemorySegment memory = target(t, "fill t");
        for (long i = 0; i < t.size(); i++) memory.setAtIndex(FLOAT, i, value);
    }

    @Override public void copy(Tensor dst, Tensor src) {
        MemoryOps.checkCopy(dst, src);
        MemorySegment.copy(segment(src, "copy src"), 0, target(dst, "copy dst"), 0, src.size() * Float.BYTES);
    }

    /** Every op has finished when it returns. */
    @Override public void synchronize() {}

    // ---- convolution -------------------------------------------------------------------------

    @Override public void conv2dForward(Tensor y, Tensor x, Tensor w, Tensor bias, ConvSpec spec) {
        spec.checkForward("conv2dForward", y, x, w, bias);
        DoubleTensor result = output(y, "conv2dForward y");
        ReferenceMath.conv2dForward(result, read(x, "conv2dForward x"), read(w, "conv2dForward w"),
                bias == null ? null : read(bias, "conv2dForward bias"), spec);
        write(y, result, "conv2dForward y");
    }

    @Override public void conv2dBackwardData(Tensor dx, Tensor dy, Tensor w, ConvSpec spec) {
        spec.checkBackwardData(dx, dy, w);
        DoubleTensor result = output(dx, "conv2dBackwardData dx");
        ReferenceMath.conv2dBackwardData(result, read(dy, "conv2dBackwardData dy"), read(w, "conv2dBackwardData w"), spec);
        write(dx, result, "conv2dBackwardData dx");
    }

    @Override public void conv2dBackwardFilter(Tensor dw, Tensor dy, Tensor x, ConvSpec spec) {
        spec.checkBackwardFilter(dw, dy, x);
        DoubleTensor result = read(dw, "conv2dBackwardFilter dw");
        ReferenceMath.conv2dBackwardFilter(result, read(dy, "conv2dBackwardFilter dy"), read(x, "conv2dBackwardFilter x"), spec);
        write(dw, result, "conv2dBackwardFilter dw");
    }

    @Override public void biasBackward(Tensor db, Tensor dy) {
        BiasShape.check(db, dy);
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
        spec.checkForward(y, x);
        DoubleTensor result = output(y, "maxPoolForward y");
        ReferenceMath.maxPoolForward(result, read(x, "maxPoolForward x"), spec);
        write(y, result, "maxPoolForward y");
    }

    /** Routes by the argmax of x, recomputed in float64; y is checked but not needed. */
    @Override public void maxPoolBackward(Tensor dx, Tensor dy, Tensor y, Tensor x, PoolSpec spec) {
        spec.checkBackward(dx, dy, y, x);
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

    @Override public void lrnForward(Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        LrnSpec.checkForward(y, scale, x);
        DoubleTensor result = output(y, "lrnForward y"), scaleResult = output(scale, "lrnForward scale");
        ReferenceMath.lrnForward(result, scaleResult, read(x, "lrnForward x"), spec);
        write(y, result, "lrnForward y");
        write(scale, scaleResult, "lrnForward scale");
    }

    @Override public void lrnBackward(Tensor dx, Tensor dy, Tensor y, Tensor scale, Tensor x, LrnSpec spec) {
        LrnSpec.checkBackward(dx, dy, y, scale, x);
        DoubleTensor result = output(dx, "lrnBackward dx");
        ReferenceMath.lrnBackward(result, read(dy, "lrnBackward dy"), read(y, "lrnBackward y"),
                read(scale, "lrnBackward scale"), read(x, "lrnBackward x"), spec);
        write(dx, result, "lrnBackward dx");
    }

    @Override public void reluForward(Tensor y, Tensor x) {
        Elementwise.checkRelu(y, x);
        DoubleTensor result = output(y, "reluForward y");
        ReferenceMath.reluForward(result, read(x, "reluForward x"));
        write(y, result, "reluForward y");
    }

    @Override public void reluBackward(Tensor dx, Tensor dy, Tensor y) {
        Elementwise.checkReluBackward(dx, dy, y);
        DoubleTensor result = output(dx, "reluBackward dx");
        ReferenceMath.reluBackward(result, read(dy, "reluBackward dy"), read(y, "reluBackward y"));
        write(dx, result, "reluBackward dx");
    }

    @Override public void dropoutForward(Tensor y, Tensor mask, Tensor x, float p, long seed) {
        Elementwise.checkDropout(y, mask, x, p);
        DoubleTensor result = output(y, "dropoutForward y"), maskResult = output(mask, "dropoutForward mask");
        ReferenceMath.dropoutForward(result, maskResult, read(x, "dropoutForward x"), p, seed);
        write(y, result, "dropoutForward y");
        write(mask, maskResult, "dropoutForward mask");
    }

    @Override public void dropoutBackward(Tensor dx, Tensor dy, Tensor mask) {
        Elementwise.checkDropoutBackward(dx, dy, mask);
        DoubleTensor result = output(dx, "dropoutBackward dx");
        ReferenceMath.dropoutBackward(result, read(dy, "dropoutBackward dy"), read(mask, "dropoutBackward mask"));
        write(dx, result, "dropoutBackward dx");
    }

    @Override public void batchNormForwardTraining(Tensor y, Tensor savedMean, Tensor savedInvStd, Tensor runningMean,
                                                   Tensor runningVar, Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec) {
        String op = "batchNormForwardTraining";
        BatchNormSpec.checkTraining(y, savedMean, savedInvStd, runningMean, runningVar, x, gamma, beta);
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
        BatchNormSpec.checkInference(y, x, gamma, beta, runningMean, runningVar);
        DoubleTensor result = output(y, op + " y");
        ReferenceMath.batchNormForwardInference(result, read(x, op + " x"), read(gamma, op + " gamma"), read(beta, op + " beta"),
                read(runningMean, op + " runningMean"), read(runningVar, op + " runningVar"), spec);
        write(y, result, op + " y");
    }

    /** Batch norm's own spec is not needed by backward: epsilon is already inside savedInvStd. */
    @Override public void batchNormBackward(Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dy, Tensor x, Tensor gamma,
                                            Tensor savedMean, Tensor savedInvStd, BatchNormSpec spec) {
        String op = "batchNormBackward";
        BatchNormSpec.checkBackward(dx, dgamma, dbeta, dy, x, gamma, savedMean, savedInvStd);
        DoubleTensor result = output(dx, op + " dx");
        DoubleTensor gammaGradient = read(dgamma, op + " dgamma"), betaGradient = read(dbeta, op + " dbeta");
        ReferenceMath.batchNormBackward(result, gammaGradient, betaGradient, read(dy, op + " dy"), read(x, op + " x"),
                read(gamma, op + " gamma"), read(savedMean, op + " savedMean"), read(savedInvStd, op + " savedInvStd"));
        write(dx, result, op + " dx");
        write(dgamma, gammaGradient, op + " dgamma");
        write(dbeta, betaGradient, op + " dbeta");
    }

    // ---- loss and update ---------------------------------------------------------------------

    @Override public void softmaxForward(Tensor probs, Tensor logits) {
        SoftmaxShape.checkForward(probs, logits);
        DoubleTensor result = output(probs, "softmaxForward probs");
        ReferenceMath.softmaxForward(result, read(logits, "softmaxForward logits"));
        write(probs, result, "softmaxForward probs");
    }

    @Override public float softmaxCrossEntropyForward(Tensor probs, Tensor logits, int[] labels) {
        SoftmaxShape.checkCrossEntropyForward(probs, logits, labels);
        DoubleTensor result = output(probs, "softmaxCrossEntropyForward probs");
        double loss = ReferenceMath.softmaxCrossEntropyForward(result, read(logits, "softmaxCrossEntropyForward logits"), labels);
        write(probs, result, "softmaxCrossEntropyForward probs");
        return (float) loss;
    }

    @Override public void softmaxCrossEntropyBackward(Tensor dlogits, Tensor probs, int[] labels) {
        SoftmaxShape.checkCrossEntropyBackward(dlogits, probs, labels);
        DoubleTensor result = output(dlogits, "softmaxCrossEntropyBackward dlogits");
        ReferenceMath.softmaxCrossEntropyBackward(result, read(probs, "softmaxCrossEntropyBackward probs"), labels);
        write(dlogits, result, "softmaxCrossEntropyBackward dlogits");
    }

    @Override public void sgdUpdate(Tensor weights, Tensor velocity, Tensor grads, SgdSpec spec) {
        SgdSpec.check(weights, velocity, grads);
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

    /** t's memory, after checking that this backend owns it; role names the argument ("op arg"). */
    private static MemorySegment segment(Tensor t, String role) { return HostStorage.segment(t, NAME, role); }

    private static MemorySegment target(Tensor t, String role) { return HostStorage.target(t, NAME, role); }

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
