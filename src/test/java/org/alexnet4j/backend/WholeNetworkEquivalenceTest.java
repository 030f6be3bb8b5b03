package org.alexnet4j.backend;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.alexnet4j.testing.HostTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A small paper-variant AlexNet (two towers as groups=2, LRN, overlapping pooling, dropout 0.5 on) on every
 * backend against the reference: every layer's activation in a training forward, the loss, every parameter
 * gradient of the backward pass, and every parameter after one paper-form SGD step. Dropout masks depend only
 * on (seed, layer, step), so both backends drop the same units. The cpu backend runs twice: with its defaults
 * and with Winograd for every convolution it applies to.
 *
 * <p>Tolerance: each of ~25 layers rounds to float32 and the GEMM layers sum up to a few thousand float32
 * products in another order than the float64 reference (op-level bounds in {@link BackendEquivalenceTest});
 * compounded over the network that stays near 1e-6 of a tensor's largest magnitude, so atol = 1e-4 of it
 * and rtol 1e-3 leave margin while a broken kernel (tail, window, normalization) moves values by percent.
 */
class WholeNetworkEquivalenceTest {
    private static final double RTOL = 1e-3, ATOL_OF_MAX = 1e-4;
    private static final int BATCH = 3, SEED = 7;
    /**
     * Inputs in the paper's units, mean-subtracted pixels of 0..255: large enough that LRN (k=2, alpha=5e-4)
     * changes conv1's outputs by percent, so a wrong LRN shows here too.
     */
    private static final double PIXEL_SCALE = 50;

    /** Width 1/16 (channels 6, 16, 24, 24, 16; FC 256) at input 99 (conv1 23x23, pool5 2x2 -> avgpool 6x6): under a second. */
    private static AlexNet.Config config() {
        return AlexNet.Config.of(AlexNet.Variant.PAPER).withWidthMultiplier(1.0 / 16).withInputSize(99).withClasses(10);
    }

    /** Every candidate with its defaults, and the cpu backend with Winograd for every convolution it applies to (conv2 to conv5, both directions). */
    static Stream<Arguments> backends() {
        BackendOptions winograd = BackendOptions.defaults().withCpu(CpuOptions.defaults().withConvolution(CpuOptions.ConvolutionAlgorithm.WINOGRAD));
        return Stream.concat(BackendPair.candidates().map(name -> Arguments.of(name, "", BackendOptions.defaults())),
                Stream.of(Arguments.of("cpu", "winograd", winograd)));
    }

    /** Adds a failure message to {@code failures} unless actual is within ATOL_OF_MAX * max|expected| + RTOL * |expected|. */
    private static void expectCloseScaled(List<String> failures, String what, Shape shape, float[] expected, float[] actual) {
        double max = 0;
        for (float v : expected) max = Math.max(max, Math.abs(v));
        String mismatch = Approx.mismatch(what, shape, Approx.toDoubles(expected), Approx.toDoubles(actual), ATOL_OF_MAX * max, RTOL);
        if (mismatch != null) failures.add(mismatch);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void everyActivationGradientAndUpdatedParameterMatchesReference(String name, String variant, BackendOptions options) {
        List<String> failures = new ArrayList<>(); // every layer, gradient and parameter is checked; all failures reported together
        try (BackendPair pair = BackendPair.open(name, options)) {
            Backend reference = pair.reference, candidate = pair.candidate;
            Shape inputShape = Architecture.withBatch(config().inputShape(), BATCH);
            float[] input = HostTensors.gaussian(1, inputShape.size(), PIXEL_SCALE);
            int[] labels = new Random(2).ints(BATCH, 0, config().classes()).toArray();

            int layerCount = AlexNet.architecture(config()).layers().size();
            for (int i = 0; i < layerCount; i++) {
                List<Layer> referenceLayers = AlexNet.architecture(config()).layers().subList(0, i + 1);
                List<Layer> candidateLayers = AlexNet.architecture(config()).layers().subList(0, i + 1);
                try (Sequential r = new Sequential(reference, new Architecture(config().inputShape(), referenceLayers), SEED);
                     Sequential c = new Sequential(candidate, new Architecture(config().inputShape(), candidateLayers), SEED);
                     Tensor rx = upload(reference, inputShape, input); Tensor cx = upload(candidate, inputShape, input)) {
                    Tensor ry = r.forward(rx, true);
                    expectCloseScaled(failures, name + " activation " + referenceLayers.getLast().name(), ry.shape(),
                            download(reference, ry), download(candidate, c.forward(cx, true)));
                }
            }

            try (Sequential r = AlexNet.create(reference, config(), SEED); Sequential c = AlexNet.create(candidate, config(), SEED);
                 Tensor rx = upload(reference, inputShape, input); Tensor cx = upload(candidate, inputShape, input)) {
                float referenceLoss = step(reference, r, rx, labels), candidateLoss = step(candidate, c, cx, labels);
                if (!(Math.abs(candidateLoss - referenceLoss) <= RTOL * Math.abs(referenceLoss))) {
                    failures.add(name + " loss: expected " + referenceLoss + " got " + candidateLoss + " (rtol " + RTOL + ")");
                }
                for (Map.Entry<String, Tensor> g : r.gradients().entrySet()) {
                    expectCloseScaled(failures, name + " gradient " + g.getKey(), g.getValue().shape(), download(reference, g.getValue()),
                            download(candidate, c.gradients().get(g.getKey())));
                }
                SgdSpec sgd = SgdSpec.paper(0.01f);
                reference.sgdUpdate(r.parameterArena(), r.velocityArena(), r.gradientArena(), sgd);
                candidate.sgdUpdate(c.parameterArena(), c.velocityArena(), c.gradientArena(), sgd);
                for (Map.Entry<String, Tensor> p : r.parameters().entrySet()) {
                    expectCloseScaled(failures, name + " updated " + p.getKey(), p.getValue().shape(), download(reference, p.getValue()),
                            download(candidate, c.parameters().get(p.getKey())));
                }
            }
        }
        assertAll(name + " whole network against reference", failures.stream().<org.junit.jupiter.api.function.Executable>map(m -> () -> fail(m)));
    }

    /** Training forward, softmax cross-entropy and backward; returns the loss. */
    private static float step(Backend backend, Sequential network, Tensor x, int[] labels) {
        Tensor logits = network.forward(x, true);
        try (Tensor probs = backend.allocate(logits.shape()); Tensor dLogits = backend.allocate(logits.shape())) {
            float loss = backend.softmaxCrossEntropyForward(probs, logits, labels);
            backend.softmaxCrossEntropyBackward(dLogits, probs, labels);
            network.backward(dLogits);
            return loss;
        }
    }
}
