package org.alexnet4j.backend.cpu;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.backend.SgdSpec;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.HostTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cpu backend gives the same bits at any thread count: two training steps (forward with dropout,
 * softmax cross-entropy, backward, SGD) of a small two-tower AlexNet at 1, 2 and 3 threads leave every
 * parameter identical, with the GEMM family and with Winograd for conv2 to conv5. Batches of 2 (fewer images
 * than workers: work split inside each product, Winograd's channels split among the workers) and 9 (more:
 * split over images, the filter gradient in image blocks that do not line up with the workers, Winograd's
 * tile blocks spanning images).
 */
class ThreadCountDeterminismTest {
    private static final int SEED = 5;

    private static AlexNet.Config config() {
        return AlexNet.Config.of(AlexNet.Variant.PAPER).withWidthMultiplier(1.0 / 16).withInputSize(67).withClasses(10);
    }

    /** Every parameter after two steps on {@code threads} workers, by name. */
    private static Map<String, float[]> train(int threads, int batch, CpuOptions.ConvolutionAlgorithm algorithm) {
        try (Backend cpu = new CpuBackend(BackendOptions.defaults().withThreads(threads).withCpu(CpuOptions.defaults().withConvolution(algorithm)));
             Sequential net = AlexNet.create(cpu, config(), SEED)) {
            Shape inputShape = Architecture.withBatch(config().inputShape(), batch);
            for (int step = 0; step < 2; step++) {
                int[] labels = new Random(step).ints(batch, 0, config().classes()).toArray();
                try (Tensor x = upload(cpu, inputShape, HostTensors.gaussian(step, inputShape.size(), 50))) {
                    Tensor logits = net.forward(x, true);
                    try (Tensor probs = cpu.allocate(logits.shape()); Tensor dLogits = cpu.allocate(logits.shape())) {
                        cpu.softmaxCrossEntropyForward(probs, logits, labels);
                        cpu.softmaxCrossEntropyBackward(dLogits, probs, labels);
                        cpu.fill(net.gradientArena(), 0);
                        net.backward(dLogits);
                    }
                }
                cpu.sgdUpdate(net.parameterArena(), net.velocityArena(), net.gradientArena(), SgdSpec.paper(0.01f));
            }
            Map<String, float[]> parameters = new LinkedHashMap<>();
            net.parameters().forEach((name, t) -> parameters.put(name, download(cpu, t)));
            return parameters;
        }
    }

    @ParameterizedTest(name = "batch {0}, {1}")
    @CsvSource({"2, EXACT", "9, EXACT", "2, WINOGRAD", "9, WINOGRAD"})
    void trainingStepsGiveTheSameBitsAtOneTwoAndThreeThreads(int batch, CpuOptions.ConvolutionAlgorithm algorithm) {
        Map<String, float[]> one = train(1, batch, algorithm);
        for (int threads : new int[] {2, 3}) {
            Map<String, float[]> other = train(threads, batch, algorithm);
            assertEquals(one.keySet(), other.keySet());
            for (String name : one.keySet()) assertArrayEquals(one.get(name), other.get(name), name + " after two steps on " + threads + " threads vs 1");
        }
    }
}
