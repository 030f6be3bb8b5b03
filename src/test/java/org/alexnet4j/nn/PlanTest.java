package org.alexnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.MemoryLimitException;
import org.alexnet4j.data.Batch;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.CountingBackend;
import org.alexnet4j.testing.HostTensors;
import org.junit.jupiter.api.Test;

/** A description is immutable and the runtime is a plan: one architecture bound many times, one weights object under several plans. */
class PlanTest {
    private static float[] logits(Backend backend, Sequential network, Batch batch) {
        try (Tensor x = HostTensors.upload(backend, batch.shape(), batch.images())) {
            return HostTensors.download(backend, network.forward(x, false));
        }
    }

    @Test void oneArchitectureBoundTwiceGivesTwoIndependentNetworks() {
        Architecture shared = SmallNetworks.architecture();
        Batch batch = SmallNetworks.batch(3, 4);
        try (Backend backend = Backends.create("reference");
             Sequential first = new Sequential(backend, shared, 1); Sequential second = new Sequential(backend, shared, 2);
             Sequential alone = new Sequential(backend, SmallNetworks.architecture(), 1)) {
            float[] expected = logits(backend, alone, batch);
            assertArrayEquals(expected, logits(backend, first, batch), "binding the architecture again must not rebind the first network");
            float[] other = logits(backend, second, batch);
            assertArrayEquals(expected, logits(backend, first, batch));
            assertTrue(!java.util.Arrays.equals(expected, other), "another seed gives other weights");
        }
    }

    @Test void oneWeightsObjectServesPlansOfEveryCapacityWithTheSameAnswers() {
        Batch batch = SmallNetworks.batch(3, 5);
        try (Backend backend = Backends.create("reference"); Sequential network = new Sequential(backend, SmallNetworks.architecture(), 3);
             Plan small = Plan.inference(network.weights(), 3, Set.of()); Plan large = Plan.inference(network.weights(), 8, Set.of());
             Tensor x = HostTensors.upload(backend, batch.shape(), batch.images())) {
            float[] expected = logits(backend, network, batch);
            assertArrayEquals(expected, HostTensors.download(backend, small.forward(x, false, 0, 0)));
            assertArrayEquals(expected, HostTensors.download(backend, large.forward(x, false, 0, 0)));
        }
    }

    @Test void aPlanTooLargeForItsBackendIsRefusedBeforeItTakesAnyMemory() {
        Map<String, Integer> calls = CountingBackend.counts();
        try (Backend reference = Backends.create("reference"); Backend scarce = CountingBackend.wrap(reference, calls, 1 << 20);
             Sequential network = new Sequential(scarce, SmallNetworks.architecture(), 3)) {
            calls.clear();
            MemoryLimitException refused = assertThrows(MemoryLimitException.class, () -> network.reserve(10_000));
            assertTrue(refused.getMessage().contains("a training plan for batches of 10000"), refused.getMessage());
            assertNull(calls.get("allocate"), "nothing may be allocated before the whole plan is known to fit");
            network.reserve(2);
            assertTrue(calls.get("allocate") > 0, "a plan that fits is allocated");
        }
    }

    @Test void aRequestedConvolutionOutputIsNotFusedWithItsRelu() {
        Batch batch = SmallNetworks.batch(2, 6);
        Map<String, Integer> calls = CountingBackend.counts();
        try (Backend reference = Backends.create("reference"); Backend backend = CountingBackend.wrap(reference, calls);
             Sequential network = new Sequential(backend, SmallNetworks.architecture(), 3);
             Plan plan = Plan.inference(network.weights(), 2, Set.of("conv1", "relu1", "fc2"));
             Tensor x = HostTensors.upload(backend, batch.shape(), batch.images())) {
            float[] expected = logits(backend, network, batch);
            calls.clear();
            assertArrayEquals(expected, HostTensors.download(backend, plan.forward(x, false, 0, 0)));
            assertEquals(1, calls.get("conv2dForward"), "conv1 unfused");
            assertEquals(1, calls.get("conv2dReluForward"), "conv2 fused with relu2");
            float[] conv = HostTensors.download(backend, plan.output("conv1")), relu = HostTensors.download(backend, plan.output("relu1"));
            boolean negative = false;
            for (int i = 0; i < conv.length; i++) {
                assertEquals(Math.max(conv[i], 0f), relu[i]);
                negative |= conv[i] < 0;
            }
            assertTrue(negative, "conv1's own output keeps its negative values");
            assertThrows(IllegalArgumentException.class, () -> plan.output("conv2"), "conv2's output is fused away");
        }
    }

    @Test void anInferencePlanRunsUpToItsDeepestOutputAndKeepsNoTrainingState() {
        Batch batch = SmallNetworks.batch(2, 7);
        Map<String, Integer> calls = CountingBackend.counts();
        try (Backend reference = Backends.create("reference"); Backend backend = CountingBackend.wrap(reference, calls);
             Sequential network = new Sequential(backend, SmallNetworks.architecture(), 3);
             Tensor x = HostTensors.upload(backend, batch.shape(), batch.images())) {
            calls.clear();
            try (Plan training = Plan.training(network.weights(), network.gradientArena(), 2)) {
                int trainingAllocations = calls.get("allocate");
                calls.clear();
                try (Plan features = Plan.inference(network.weights(), 2, Set.of("pool1"))) {
                    // conv1, lrn1 (output and scale), pool1: no dropout mask, no batch statistics, no gradient buffers
                    assertEquals(4, calls.get("allocate"));
                    assertTrue(trainingAllocations > 4 + 6, "training plan: " + trainingAllocations + " allocations");
                    features.forward(x, false, 0, 0);
                    assertNull(calls.get("linearForward"), "nothing after pool1 runs");
                    assertEquals(batch.size(), features.output("pool1").shape().dim(0));
                    assertThrows(IllegalStateException.class, () -> features.forward(x, true, 0, 0));
                    assertThrows(IllegalStateException.class, () -> features.backward(x));
                }
            }
        }
    }
}
