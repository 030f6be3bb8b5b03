package org.alexnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.Batch;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sequential on the reference backend: arena layout, shape errors, loading by name, buffer reuse, dropout seeding. */
class SequentialTest {
    private Backend backend;
    private Sequential network;

    @BeforeEach void setUp() {
        backend = Backends.create("reference");
        network = new Sequential(backend, SmallNetworks.architecture(), 7);
    }

    @AfterEach void tearDown() {
        network.close();
        backend.close();
    }

    @Test void arenasAreLaidOutByTheTableInOrderAlignedWithoutOverlap() {
        ParameterTable table = network.architecture().parameters();
        long expectedOffset = 0;
        for (ParameterTable.Entry e : table.entries()) {
            assertEquals(expectedOffset, e.offset(), e.name());
            expectedOffset += (e.size() + 63) / 64 * 64; // each view starts 256-byte aligned
            for (Map.Entry<Tensor, Map<String, Tensor>> arena : Map.of(network.parameterArena(), network.parameters(),
                    network.gradientArena(), network.gradients(), network.velocityArena(), network.velocities()).entrySet()) {
                Tensor view = arena.getValue().get(e.name());
                assertSame(arena.getKey().storage(), view.storage(), e.name());
                assertEquals(arena.getKey().offset() + e.offset(), view.offset(), e.name());
                assertEquals(e.shape(), view.shape(), e.name());
            }
        }
        assertEquals(expectedOffset, table.totalFloats());
        assertEquals(table.totalFloats(), network.parameterArena().size());
        assertEquals(List.of("conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "conv2.weight", "conv2.bias",
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), List.copyOf(network.parameters().keySet()));
        // Writing each parameter by name lands at its table offset of the one arena, and nowhere else.
        float[] expected = new float[Math.toIntExact(table.totalFloats())];
        for (ParameterTable.Entry e : table.entries()) {
            float[] values = new float[Math.toIntExact(e.size())];
            for (int i = 0; i < values.length; i++) values[i] = e.offset() + i;
            network.write(e.name(), e.shape(), values);
            System.arraycopy(values, 0, expected, Math.toIntExact(e.offset()), values.length);
        }
        float[] arena = new float[expected.length];
        backend.copyToHost(arena, 0, network.parameterArena());
        assertArrayEquals(expected, arena);
        assertEquals(List.of("bn1.running_mean", "bn1.running_var"), List.copyOf(network.buffers().keySet()));
        assertArrayEquals(new float[] {1, 1, 1, 1}, network.read("bn1.running_var"));
    }

    @Test void wrongInputShapeAtBuildNamesTheLayerAndBothShapes() {
        ShapeException e = assertThrows(ShapeException.class, () -> new Architecture(Shape.of(1, 15, 13), SmallNetworks.layers(24)));
        assertEquals("layer conv1 (Conv2d): expected input (N, 3, H, W), got (1, 1, 15, 13)", e.getMessage());
        ShapeException fc = assertThrows(ShapeException.class, () -> new Architecture(SmallNetworks.INPUT, SmallNetworks.layers(25)));
        assertEquals("layer fc1 (Linear): expected input (N, 25), got (1, 24)", fc.getMessage());
    }

    @Test void wrongInputTensorAtForwardNamesTheFirstLayerAndBothShapes() {
        try (Tensor x = backend.allocate(Shape.of(2, 3, 15, 14))) {
            ShapeException e = assertThrows(ShapeException.class, () -> network.forward(x, false));
            assertEquals("layer conv1 (Conv2d): expected network input (N, 3, 15, 13), got (2, 3, 15, 14)", e.getMessage());
        }
    }

    @Test void loadingAWrongShapeNamesTheParameterAndBothShapes() {
        ShapeException e = assertThrows(ShapeException.class, () -> network.write("conv2.weight", Shape.of(6, 4, 3, 3), new float[216]));
        assertEquals("parameter conv2.weight: expected shape (6, 2, 3, 3), given (6, 4, 3, 3)", e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> network.read("conv3.weight"));
        assertTrue(unknown.getMessage().startsWith("no parameter or buffer named 'conv3.weight'; known: conv1.weight, conv1.bias"), unknown.getMessage());
    }

    @Test void activationsAreAllocatedOnceAndReusedForSmallerBatches() {
        Batch three = SmallNetworks.batch(3, 1), one = SmallNetworks.batch(1, 1);
        try (Tensor x3 = backend.allocate(three.shape()); Tensor x1 = backend.allocate(one.shape())) {
            backend.copyFromHost(x3, three.images(), 0);
            backend.copyFromHost(x1, one.images(), 0);
            Tensor first = network.forward(x3, false);
            Tensor again = network.forward(x3, false);
            Tensor smaller = network.forward(x1, false);
            assertSame(first.storage(), again.storage());
            assertSame(first.storage(), smaller.storage());
            assertEquals(Shape.of(1, SmallNetworks.CLASSES), smaller.shape());
            // The first image's logits do not depend on the batch it is in (evaluation mode: running statistics).
            float[] logits3 = new float[9], logits1 = new float[3];
            backend.copyToHost(logits3, 0, network.forward(x3, false));
            backend.copyToHost(logits1, 0, network.forward(x1, false));
            for (int k = 0; k < 3; k++) assertEquals(logits3[k], logits1[k], 1e-6f * Math.max(1, Math.abs(logits3[k])));
        }
    }

    @Test void dropoutMasksRepeatForAStepAndChangeBetweenSteps() {
        Batch batch = SmallNetworks.batch(3, 2);
        try (Tensor x = backend.allocate(batch.shape())) {
            backend.copyFromHost(x, batch.images(), 0);
            network.setStep(5);
            float[] a = logits(x, true);
            assertEquals(6, network.step());
            network.setStep(5);
            float[] b = logits(x, true);
            float[] c = logits(x, true);
            assertArrayEquals(a, b);
            assertFalse(java.util.Arrays.equals(a, c), "step 6 must draw another dropout mask than step 5");
            assertArrayEquals(logits(x, false), logits(x, false));
            assertEquals(7, network.step(), "evaluation does not advance the step");
        }
    }

    @Test void identityAdaptivePoolingPassesTheSameTensorThrough() {
        Architecture architecture = new Architecture(Shape.of(4, 3, 3), List.of(new AdaptiveAvgPool2d("avgpool", 3, 3), new Flatten("flatten"),
                new Linear("fc", 36, 2, true, Init.normal(1), Init.constant(0))));
        try (Weights weights = new Weights(backend, architecture); Plan plan = Plan.inference(weights, 2, Set.of("avgpool"));
             Tensor x = backend.allocate(Shape.of(2, 4, 3, 3))) {
            plan.forward(x, false, 0, 0);
            assertSame(x, plan.output("avgpool"));
        }
    }

    /** Copies x to its own output; in backward checks that dy and dx never share memory, then copies dy to dx. */
    private static final class OverlapProbe extends Layer {
        final List<String> overlaps = new java.util.concurrent.CopyOnWriteArrayList<>();

        OverlapProbe(String name) { super(name); }

        @Override public Shape outputShape(Shape x) { return x; }

        @Override protected Stage stage(Stage.Context context) {
            BatchTensor output = context.activation(context.input());
            Backend backend = context.backend();
            return new Stage() {
                @Override public Tensor forward(Tensor x, boolean training, long seed) {
                    Tensor y = output.batch(x.shape().dim(0));
                    backend.copy(y, x);
                    return y;
                }

                @Override public Tensor backward(Tensor dy, Tensor dx) {
                    boolean overlap = dy.storage() == dx.storage() && dy.offset() < dx.offset() + dx.size() && dx.offset() < dy.offset() + dy.size();
                    if (overlap) overlaps.add(name() + ": dy " + dy.shape() + "@" + dy.offset() + " overlaps dx " + dx.shape() + "@" + dx.offset());
                    backend.copy(dx, dy);
                    return dx;
                }
            };
        }
    }

    @Test void backwardNeverWritesAnInputGradientOverTheGradientItReads() {
        List<OverlapProbe> probes = List.of(new OverlapProbe("probe1"), new OverlapProbe("probe2"), new OverlapProbe("probe3"));
        Init weight = Init.normal(1), bias = Init.constant(0);
        Architecture architecture = new Architecture(Shape.of(4), List.of(new Linear("fc1", 4, 6, true, weight, bias), probes.get(0),
                new Flatten("flatten"), probes.get(1), new Linear("fc2", 6, 3, true, weight, bias), probes.get(2)));
        try (Sequential small = new Sequential(backend, architecture, 1); Tensor x = backend.allocate(Shape.of(2, 4));
             Tensor dLogits = backend.allocate(Shape.of(2, 3))) {
            small.forward(x, true);
            small.backward(dLogits);
            small.backward(dLogits);
            for (OverlapProbe probe : probes) assertEquals(List.of(), probe.overlaps);
        }
    }

    @Test void backwardNeedsATrainingForward() {
        try (Tensor d = backend.allocate(Shape.of(3, 3))) {
            assertThrows(IllegalStateException.class, () -> network.backward(d));
        }
    }

    private float[] logits(Tensor x, boolean training) {
        Tensor y = network.forward(x, training);
        float[] values = new float[Math.toIntExact(y.size())];
        backend.copyToHost(values, 0, y);
        return values;
    }
}
