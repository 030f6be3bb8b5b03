package org.alexnet4j.backend.reference;

import static org.alexnet4j.backend.reference.DoubleTensors.distinct;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendProvider;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.backend.PoolSpec;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.backend.host.HostStorage;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The float32 path through {@link ReferenceBackend}: every op must equal {@link ReferenceMath} on the same
 * float inputs, rounded once to float32 -- bit for bit, since both run the same float64 code, so any
 * mis-wired argument shows. Also memory ops, in-place use, ownership and the error messages.
 */
class ReferenceBackendTest {
    private final Backend backend = Backends.create("reference");
    private final Random random = new Random(2012);

    @AfterEach
    void close() { backend.close(); }

    /** Standard normal values rounded to float32, so the backend and the math see the same inputs. */
    private DoubleTensor values(Shape shape) { return rounded(DoubleTensors.gaussian(shape, random)); }

    private static DoubleTensor rounded(DoubleTensor t) {
        DoubleTensor copy = DoubleTensor.zeros(t.shape());
        for (int i = 0; i < copy.data().length; i++) copy.data()[i] = (float) t.data()[i];
        return copy;
    }

    private Tensor upload(DoubleTensor values) {
        Tensor t = backend.allocate(values.shape());
        float[] floats = new float[values.data().length];
        for (int i = 0; i < floats.length; i++) floats[i] = (float) values.data()[i];
        backend.copyFromHost(t, floats, 0);
        return t;
    }

    private float[] download(Tensor t) {
        float[] floats = new float[(int) t.size()];
        backend.copyToHost(floats, 0, t);
        return floats;
    }

    private DoubleTensor downloadValues(Tensor t) {
        float[] floats = download(t);
        DoubleTensor values = DoubleTensor.zeros(t.shape());
        for (int i = 0; i < floats.length; i++) values.data()[i] = floats[i];
        return values;
    }

    private void assertSame(String what, DoubleTensor expected, Tensor actual) {
        float[] rounded = new float[expected.data().length];
        for (int i = 0; i < rounded.length; i++) rounded[i] = (float) expected.data()[i];
        assertArrayEquals(rounded, download(actual), what);
    }

    @Test
    void convolutionOpsMatchTheMath() {
        ConvSpec spec = new ConvSpec(2, 3, 1, 2, 2);
        DoubleTensor x = values(Shape.of(3, 4, 9, 7)), w = values(Shape.of(6, 2, 3, 3)), bias = values(Shape.of(6));
        Shape yShape = spec.outputShape(x.shape(), w.shape());
        DoubleTensor dy = values(yShape), dwStart = values(w.shape()), dbStart = values(bias.shape());
        Tensor tx = upload(x), tw = upload(w), tbias = upload(bias), tdy = upload(dy), tdw = upload(dwStart), tdb = upload(dbStart);
        Tensor ty = backend.allocate(yShape), tdx = backend.allocate(x.shape());

        backend.conv2dForward(ty, tx, tw, tbias, spec);
        backend.conv2dBackwardData(tdx, tdy, tw, spec);
        backend.conv2dBackwardFilter(tdw, tdy, tx, spec);
        backend.biasBackward(tdb, tdy);

        DoubleTensor y = DoubleTensor.zeros(yShape), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.conv2dForward(y, x, w, bias, spec);
        ReferenceMath.conv2dBackwardData(dx, dy, w, spec);
        ReferenceMath.conv2dBackwardFilter(dwStart, dy, x, spec);
        ReferenceMath.biasBackward(dbStart, dy);
        assertSame("conv2dForward y", y, ty);
        assertSame("conv2dBackwardData dx", dx, tdx);
        assertSame("conv2dBackwardFilter dw", dwStart, tdw);
        assertSame("biasBackward db", dbStart, tdb);

        backend.conv2dForward(ty, tx, tw, null, spec);
        ReferenceMath.conv2dForward(y, x, w, null, spec);
        assertSame("conv2dForward y without bias", y, ty);
    }

    @Test
    void linearOpsMatchTheMath() {
        DoubleTensor x = values(Shape.of(3, 11)), w = values(Shape.of(5, 11)), bias = values(Shape.of(5));
        DoubleTensor dy = values(Shape.of(3, 5)), dwStart = values(w.shape());
        Tensor ty = backend.allocate(dy.shape()), tdx = backend.allocate(x.shape()), tx = upload(x), tw = upload(w), tdy = upload(dy), tdw = upload(dwStart);
        backend.linearForward(ty, tx, tw, upload(bias));
        backend.linearBackwardData(tdx, tdy, tw);
        backend.linearBackwardWeight(tdw, tdy, tx);

        DoubleTensor y = DoubleTensor.zeros(dy.shape()), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.linearForward(y, x, w, bias);
        ReferenceMath.linearBackwardData(dx, dy, w);
        ReferenceMath.linearBackwardWeight(dwStart, dy, x);
        assertSame("linearForward y", y, ty);
        assertSame("linearBackwardData dx", dx, tdx);
        assertSame("linearBackwardWeight dw", dwStart, tdw);
    }

    @Test
    void poolingOpsMatchTheMath() {
        PoolSpec spec = new PoolSpec(3, 3, 2, 2, 1, 0);
        DoubleTensor x = rounded(distinct(Shape.of(3, 2, 8, 9), random));
        Shape yShape = spec.outputShape(x.shape());
        DoubleTensor dy = values(yShape), adaptiveDy = values(Shape.of(3, 2, 3, 4));
        Tensor tx = upload(x), ty = backend.allocate(yShape), tdx = backend.allocate(x.shape());
        backend.maxPoolForward(ty, tx, spec);
        backend.maxPoolBackward(tdx, upload(dy), ty, tx, spec);
        DoubleTensor y = DoubleTensor.zeros(yShape), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.maxPoolForward(y, x, spec);
        ReferenceMath.maxPoolBackward(dx, dy, x, spec);
        assertSame("maxPoolForward y", y, ty);
        assertSame("maxPoolBackward dx", dx, tdx);

        Tensor tAdaptive = backend.allocate(adaptiveDy.shape());
        backend.adaptiveAvgPoolForward(tAdaptive, tx);
        backend.adaptiveAvgPoolBackward(tdx, upload(adaptiveDy));
        DoubleTensor adaptive = DoubleTensor.zeros(adaptiveDy.shape());
        ReferenceMath.adaptiveAvgPoolForward(adaptive, x);
        ReferenceMath.adaptiveAvgPoolBackward(dx, adaptiveDy);
        assertSame("adaptiveAvgPoolForward y", adaptive, tAdaptive);
        assertSame("adaptiveAvgPoolBackward dx", dx, tdx);
    }

    @Test
    void lrnOpsMatchTheMathUsingTheSavedScale() {
        LrnSpec spec = new LrnSpec(5, 2.0, 0.75, 1);
        DoubleTensor x = values(Shape.of(3, 7, 3, 5)), dy = values(x.shape());
        Tensor tx = upload(x), ty = backend.allocate(x.shape()), tscale = backend.allocate(x.shape()), tdx = backend.allocate(x.shape());
        backend.lrnForward(ty, tscale, tx, spec);
        backend.lrnBackward(tdx, upload(dy), ty, tscale, tx, spec);
        DoubleTensor y = DoubleTensor.zeros(x.shape()), scale = DoubleTensor.zeros(x.shape()), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.lrnForward(y, scale, x, spec);
        assertSame("lrnForward y", y, ty);
        assertSame("lrnForward scale", scale, tscale);
        ReferenceMath.lrnBackward(dx, dy, downloadValues(ty), downloadValues(tscale), x, spec);
        assertSame("lrnBackward dx", dx, tdx);
    }

    @Test
    void reluAndDropoutWorkInPlace() {
        DoubleTensor x = values(Shape.of(3, 5, 7)), dy = values(x.shape());
        Tensor t = upload(x), tdy = upload(dy);
        backend.reluForward(t, t);
        backend.reluBackward(tdy, tdy, t);
        DoubleTensor y = DoubleTensor.zeros(x.shape()), dx = DoubleTensor.zeros(x.shape());
        ReferenceMath.reluForward(y, x);
        ReferenceMath.reluBackward(dx, dy, y);
        assertSame("reluForward y in place", y, t);
        assertSame("reluBackward dx in place", dx, tdy);

        Tensor tmask = backend.allocate(x.shape()), tdrop = upload(x), tdropDy = upload(dy);
        backend.dropoutForward(tdrop, tmask, tdrop, 0.5f, 77);
        backend.dropoutBackward(tdropDy, tdropDy, tmask);
        DoubleTensor mask = DoubleTensor.zeros(x.shape());
        ReferenceMath.dropoutForward(y, mask, x, 0.5f, 77);
        ReferenceMath.dropoutBackward(dx, dy, mask);
        assertSame("dropoutForward y in place", y, tdrop);
        assertSame("dropoutForward mask", mask, tmask);
        assertSame("dropoutBackward dx in place", dx, tdropDy);
    }

    @Test
    void batchNormOpsMatchTheMath() {
        BatchNormSpec spec = BatchNormSpec.PYTORCH_DEFAULT;
        Shape channels = Shape.of(3);
        DoubleTensor x = values(Shape.of(3, 3, 4, 5)), dy = values(x.shape()), gamma = values(channels), beta = values(channels);
        DoubleTensor runningMean = values(channels), runningVar = rounded(DoubleTensors.awayFromZero(channels, random));
        for (int c = 0; c < 3; c++) runningVar.data()[c] = Math.abs(runningVar.data()[c]);
        DoubleTensor dgamma = values(channels), dbeta = values(channels);
        Tensor tx = upload(x), ty = backend.allocate(x.shape()), tmean = backend.allocate(channels), tinv = backend.allocate(channels);
        Tensor trm = upload(runningMean), trv = upload(runningVar), tgamma = upload(gamma), tbeta = upload(beta);
        Tensor tdx = backend.allocate(x.shape()), tdgamma = upload(dgamma), tdbeta = upload(dbeta), tinference = backend.allocate(x.shape());

        backend.batchNormForwardInference(tinference, tx, tgamma, tbeta, trm, trv, spec);
        backend.batchNormForwardTraining(ty, tmean, tinv, trm, trv, tx, tgamma, tbeta, spec);
        backend.batchNormBackward(tdx, tdgamma, tdbeta, upload(dy), tx, tgamma, tmean, tinv, spec);

        DoubleTensor inference = DoubleTensor.zeros(x.shape()), y = DoubleTensor.zeros(x.shape()), dx = DoubleTensor.zeros(x.shape());
        DoubleTensor mean = DoubleTensor.zeros(channels), invStd = DoubleTensor.zeros(channels);
        ReferenceMath.batchNormForwardInference(inference, x, gamma, beta, runningMean, runningVar, spec);
        ReferenceMath.batchNormForwardTraining(y, mean, invStd, runningMean, runningVar, x, gamma, beta, spec);
        assertSame("batchNormForwardInference y", inference, tinference);
        assertSame("batchNormForwardTraining y", y, ty);
        assertSame("batchNormForwardTraining savedMean", mean, tmean);
        assertSame("batchNormForwardTraining savedInvStd", invStd, tinv);
        assertSame("batchNormForwardTraining runningMean", runningMean, trm);
        assertSame("batchNormForwardTraining runningVar", runningVar, trv);
        ReferenceMath.batchNormBackward(dx, dgamma, dbeta, dy, x, gamma, downloadValues(tmean), downloadValues(tinv));
        assertSame("batchNormBackward dx", dx, tdx);
        assertSame("batchNormBackward dgamma", dgamma, tdgamma);
        assertSame("batchNormBackward dbeta", dbeta, tdbeta);
    }

    @Test
    void lossAndUpdateOpsMatchTheMath() {
        DoubleTensor logits = values(Shape.of(3, 10));
        int[] labels = {9, 0, 4};
        Tensor tlogits = upload(logits), tprobs = backend.allocate(logits.shape()), tsoftmax = backend.allocate(logits.shape());
        Tensor tdlogits = backend.allocate(logits.shape());
        backend.softmaxForward(tsoftmax, tlogits);
        float loss = backend.softmaxCrossEntropyForward(tprobs, tlogits, labels);
        backend.softmaxCrossEntropyBackward(tdlogits, tprobs, labels);
        DoubleTensor probs = DoubleTensor.zeros(logits.shape()), dlogits = DoubleTensor.zeros(logits.shape());
        double expectedLoss = ReferenceMath.softmaxCrossEntropyForward(probs, logits, labels);
        assertEquals((float) expectedLoss, loss, "softmaxCrossEntropyForward loss");
        assertSame("softmaxForward probs", probs, tsoftmax);
        assertSame("softmaxCrossEntropyForward probs", probs, tprobs);
        ReferenceMath.softmaxCrossEntropyBackward(dlogits, downloadValues(tprobs), labels);
        assertSame("softmaxCrossEntropyBackward dlogits", dlogits, tdlogits);

        SgdSpec spec = SgdSpec.paper(0.01f);
        DoubleTensor weights = values(Shape.of(4, 7)), velocity = values(weights.shape()), grads = values(Shape.of(28));
        Tensor tw = upload(weights), tv = upload(velocity);
        backend.sgdUpdate(tw, tv, upload(grads), spec);
        ReferenceMath.sgdUpdate(weights, velocity, new DoubleTensor(weights.shape(), grads.data()), spec);
        assertSame("sgdUpdate weights", weights, tw);
        assertSame("sgdUpdate velocity", velocity, tv);
    }

    @Test
    void memoryOpsCopyFillAndRespectViews() {
        Tensor arena = backend.allocate(Shape.of(10));
        assertArrayEquals(new float[10], download(arena), "allocate zero-fills");
        Tensor view = arena.view(3, Shape.of(2, 2));
        backend.copyFromHost(view, new float[] {9, -1, 2, -3, 4, 9}, 1);
        backend.fill(arena.view(0, Shape.of(3)), -5);
        backend.fill(arena.view(8, Shape.of(2)), 5);
        assertArrayEquals(new float[] {-5, -5, -5, -1, 2, -3, 4, 0, 5, 5}, download(arena), "views write only their window");

        float[] out = new float[6];
        backend.copyToHost(out, 2, view);
        assertArrayEquals(new float[] {0, 0, -1, 2, -3, 4}, out, "copyToHost at an offset");

        Tensor other = backend.allocate(Shape.of(4));
        backend.copy(other, view);
        assertArrayEquals(new float[] {-1, 2, -3, 4}, download(other), "copy between shapes of equal size");
        backend.reluForward(view, view);
        assertArrayEquals(new float[] {-5, -5, -5, 0, 2, 0, 4, 0, 5, 5}, download(arena), "an op on a view stays in its window");

        assertThrows(IndexOutOfBoundsException.class, () -> backend.copyFromHost(view, new float[5], 2));
        assertThrows(ShapeException.class, () -> backend.copy(arena, view));
    }

    @Test
    void closingTheBackendFreesItsTensors() {
        Backend closing = Backends.create("reference");
        Tensor t = closing.allocate(Shape.of(3));
        closing.close();
        assertThrows(IllegalStateException.class, () -> closing.fill(t, 1));
        assertThrows(IllegalStateException.class, () -> closing.allocate(Shape.of(3)));
    }

    @Test
    void shapeErrorsNameTheOpTheArgumentAndBothShapes() {
        Tensor x = backend.allocate(Shape.of(2, 4, 9, 9)), w = backend.allocate(Shape.of(6, 2, 3, 3));
        Tensor y = backend.allocate(Shape.of(2, 6, 7, 7));
        ConvSpec spec = ConvSpec.of(1, 0, 2);
        assertMessage(ShapeException.class, () -> backend.conv2dForward(y, x, w, backend.allocate(Shape.of(5)), spec),
                "conv2dForward bias", "(6)", "(5)");
        assertMessage(ShapeException.class, () -> backend.conv2dForward(backend.allocate(Shape.of(2, 6, 8, 8)), x, w, null, spec),
                "conv2dForward y", "(2, 6, 7, 7)", "(2, 6, 8, 8)");
        assertMessage(ShapeException.class, () -> backend.conv2dBackwardFilter(w, backend.allocate(Shape.of(2, 6, 7, 6)), x, spec),
                "conv2dBackwardFilter dy", "(2, 6, 7, 7)");
        assertMessage(ShapeException.class, () -> backend.linearForward(backend.allocate(Shape.of(2, 5)), backend.allocate(Shape.of(2, 7)),
                backend.allocate(Shape.of(5, 6)), null), "linearForward w", "(5, 7)", "(5, 6)");
        assertMessage(ShapeException.class, () -> backend.maxPoolBackward(x, backend.allocate(Shape.of(2, 4, 4, 3)),
                backend.allocate(Shape.of(2, 4, 4, 4)), x, PoolSpec.of(3, 2)), "maxPoolBackward dy", "(2, 4, 4, 4)");
        assertMessage(ShapeException.class, () -> backend.lrnForward(x, backend.allocate(Shape.of(2, 4, 9, 8)), x, new LrnSpec(5, 1e-4, 0.75, 2)),
                "lrnForward scale");
        Tensor four = backend.allocate(Shape.of(4)), three = backend.allocate(Shape.of(3));
        assertMessage(ShapeException.class, () -> backend.batchNormForwardTraining(x, four, four, four, four, x, four, three,
                BatchNormSpec.PYTORCH_DEFAULT), "batchNormForwardTraining beta", "(4)", "(3)");
        assertMessage(ShapeException.class, () -> backend.adaptiveAvgPoolForward(backend.allocate(Shape.of(2, 3, 2, 2)), x),
                "adaptiveAvgPoolForward y", "(2, 4, 2, 2)");
        assertMessage(ShapeException.class, () -> backend.sgdUpdate(four, three, four, SgdSpec.paper(0.01f)), "sgdUpdate", "velocity");
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        Tensor logits = backend.allocate(Shape.of(2, 10)), probs = backend.allocate(Shape.of(2, 10));
        assertMessage(IllegalArgumentException.class, () -> backend.softmaxCrossEntropyForward(probs, logits, new int[] {3, 10}),
                "labels[1] = 10", "10 classes");
        assertMessage(IllegalArgumentException.class, () -> backend.softmaxCrossEntropyBackward(probs, probs, new int[] {-1, 0}),
                "labels[0] = -1");
        assertMessage(IllegalArgumentException.class, () -> backend.softmaxCrossEntropyForward(probs, logits, new int[] {3}),
                "expected 2 labels");
        Tensor t = backend.allocate(Shape.of(3));
        assertMessage(IllegalArgumentException.class, () -> backend.dropoutForward(t, t, t, 1f, 1), "p must be in [0, 1)");
        Tensor single = backend.allocate(Shape.of(1, 2, 1, 1)), two = backend.allocate(Shape.of(2));
        assertMessage(IllegalArgumentException.class, () -> backend.batchNormForwardTraining(single, two, two, two, two, single, two, two,
                BatchNormSpec.PYTORCH_DEFAULT), "more than one value per channel");

        try (HostStorage foreign = new HostStorage(3, "cpu")) {
            Tensor alien = Tensor.owning(Shape.of(3), foreign);
            assertMessage(IllegalArgumentException.class, () -> backend.reluForward(t, alien), "reluForward x", "'cpu'");
        }
    }

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        String message = assertThrows(type, call).getMessage();
        for (String part : parts) assertTrue(message.contains(part), "message '" + message + "' should contain '" + part + "'");
    }

    @Test
    void providerIsFoundByNameWithPriorityZero() {
        BackendProvider provider = Backends.providers().stream().filter(p -> p.name().equals("reference")).findFirst().orElseThrow();
        assertEquals(0, provider.priority());
        assertTrue(provider.availability().available());
        assertEquals("reference", backend.name());
    }
}
