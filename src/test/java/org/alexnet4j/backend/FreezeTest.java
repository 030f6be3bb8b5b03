package org.alexnet4j.backend;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.gaussian;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.nn.Weights;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backend.freeze on the host backends: a frozen storage refuses every later write, through any view of it and by
 * any op (copies and fills naming the operand, an SGD step and an op's output on the read-only memory), and keeps its
 * values; ops that only read it (a convolution with frozen filters, at the cpu backend's cached-filter path too; the
 * whole network, its FC layers skipping zero inputs on the cpu backend) give the same bits as with a writable copy.
 * Weights.freeze freezes a model's parameters.
 */
class FreezeTest {
    /** An op writing frozen memory fails on the read-only segment (the JDK's exception). */
    private static void assertRefusedByTheMemory(Executable write) {
        RuntimeException e = assertThrows(RuntimeException.class, write);
        assertTrue(e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException, e.toString());
    }

    /** A copy or fill into frozen memory is refused up front, naming the operand. */
    private static void assertRefusedNaming(String role, Executable write) {
        IllegalStateException e = assertThrows(IllegalStateException.class, write);
        assertTrue(e.getMessage().startsWith(role + ": tensor ") && e.getMessage().endsWith("is frozen (Backend.freeze) and cannot be written"), e.getMessage());
    }

    static Stream<String> hostBackends() { return Stream.of("reference", "cpu"); }

    @ParameterizedTest
    @MethodSource("hostBackends")
    void aFrozenStorageRefusesWritesAndKeepsItsValues(String name) {
        Shape filters = Shape.of(40, 36, 3, 3), images = Shape.of(2, 36, 13, 13);
        float[] values = gaussian(1, 2 * filters.size(), 1);
        ConvSpec spec = ConvSpec.of(1, 1, 1);
        try (Backend b = Backends.create(name); Tensor both = upload(b, Shape.of(values.length), values);
             Tensor writable = upload(b, filters, Arrays.copyOfRange(values, (int) filters.size(), values.length));
             Tensor x = upload(b, images, gaussian(2, images.size(), 1)); Tensor velocity = b.allocate(filters)) {
            Tensor first = both.view(0, filters), second = both.view(filters.size(), filters);
            Shape ys = spec.outputShape(images, filters);
            float[] expected;
            try (Tensor y = b.allocate(ys)) {
                b.conv2dForward(y, x, writable, null, spec);
                expected = download(b, y);
            }
            b.freeze(second); // the whole storage, the other view too
            assertRefusedNaming("copyFromHost dst", () -> b.copyFromHost(first, new float[(int) filters.size()], 0));
            assertRefusedNaming("fill t", () -> b.fill(both, 0f));
            assertRefusedNaming("copy dst", () -> b.copy(second, writable));
            assertRefusedByTheMemory(() -> b.sgdUpdate(second, velocity, writable, SgdSpec.paper(0.01f)));
            assertRefusedByTheMemory(() -> b.reluForward(first, writable));
            assertArrayEquals(values, download(b, both), "the frozen values are kept");
            for (int call = 0; call < 2; call++) {
                try (Tensor y = b.allocate(ys)) {
                    b.conv2dForward(y, x, second, null, spec);
                    assertArrayEquals(expected, download(b, y), "a convolution reading frozen filters, call " + call);
                }
            }
        }
    }

    /**
     * Freezing vouches for the values from then on only: filters the cpu backend prepared before (from other values,
     * or from another storage since freed at the same address) are not taken for the frozen ones.
     */
    @ParameterizedTest
    @MethodSource("hostBackends")
    void filtersPreparedBeforeAFreezeAreNotTakenForTheFrozenValues(String name) {
        Shape filters = Shape.of(40, 36, 3, 3), images = Shape.of(2, 36, 13, 13);
        ConvSpec spec = ConvSpec.of(1, 1, 1);
        Shape ys = spec.outputShape(images, filters);
        try (Backend b = Backends.create(name); Tensor x = upload(b, images, gaussian(2, images.size(), 1)); Tensor y = b.allocate(ys)) {
            for (int round = 0; round < 4; round++) {
                float[] before = gaussian(10 + round, filters.size(), 1), after = gaussian(20 + round, filters.size(), 1), expected;
                try (Tensor writable = upload(b, filters, after)) {
                    b.conv2dForward(y, x, writable, null, spec);
                    expected = download(b, y);
                }
                try (Tensor w = upload(b, filters, before)) {
                    b.conv2dForward(y, x, w, null, spec); // prepares w's filters as they are now
                    b.copyFromHost(w, after, 0);
                    b.freeze(w);
                    b.conv2dForward(y, x, w, null, spec);
                    assertArrayEquals(expected, download(b, y), "written, then frozen, round " + round);
                }
                try (Tensor w = upload(b, filters, before)) { // likely where the last one was
                    b.freeze(w);
                    b.conv2dForward(y, x, w, null, spec);
                    try (Tensor writable = upload(b, filters, before); Tensor z = b.allocate(ys)) {
                        b.conv2dForward(z, x, writable, null, spec);
                        assertArrayEquals(download(b, z), download(b, y), "a new frozen storage, round " + round);
                    }
                }
            }
        }
    }

    /**
     * The whole single-tower network (He init: a third to a half of the FC layers' inputs zero, so that the cpu
     * backend's frozen fc6 and fc7 skip their rows) gives the same logits, bit for bit, before and after its weights
     * are frozen, at batch 1 and 2 (the reference backend has no path that freezing changes, and takes half a minute).
     */
    @Test
    void freezingANetworkChangesNoLogitOnTheCpuBackend() {
        AlexNet.Config config = AlexNet.Config.of(AlexNet.Variant.SINGLE_TOWER).withWeightInit(AlexNet.WeightInit.HE);
        try (Backend b = Backends.create("cpu"); Sequential net = AlexNet.create(b, config, 1)) {
            float[][] writable = new float[3][];
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 1) net.weights().freeze();
                for (int batch = 1; batch <= 2; batch++) {
                    Shape images = Architecture.withBatch(config.inputShape(), batch);
                    try (Tensor x = upload(b, images, gaussian(7, images.size(), 50))) {
                        float[] logits = download(b, net.forward(x, false));
                        if (pass == 0) writable[batch] = logits;
                        else assertArrayEquals(writable[batch], logits, "batch " + batch + ": frozen against writable weights");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("hostBackends")
    void frozenWeightsRefuseAWrite(String name) {
        AlexNet.Config config = AlexNet.Config.of(AlexNet.Variant.SINGLE_TOWER);
        try (Backend b = Backends.create(name); Weights weights = new Weights(b, AlexNet.architecture(config))) {
            weights.initialize(3);
            float[] fc8 = weights.read("fc8.bias");
            weights.freeze();
            assertRefusedNaming("copyFromHost dst", () -> weights.write("fc8.bias", Shape.of(fc8.length), new float[fc8.length]));
            assertArrayEquals(fc8, weights.read("fc8.bias"));
        }
    }
}
