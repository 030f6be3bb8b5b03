package org.alexnet4j.backend;

import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.alexnet4j.testing.BackendAvailability;
import org.alexnet4j.testing.HostTensors;
import org.alexnet4j.train.Sgd;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Backend#capture}: a recorded training step (forward, softmax, cross-entropy gradient, backward, SGD of
 * a small paper AlexNet without dropout, whose host arguments do not change between steps) replayed three times
 * leaves the same parameters as four steps run op by op on the same backend. On cuda the replays are CUDA graph
 * launches; on the host backends capture is the default (replay = run again), so there it checks the contract's
 * default and this harness. Also: a recording refuses an op that needs the host (cuda), and replays after close, or
 * after device memory was freed (cuda), fail.
 */
class CaptureReplayTest {
    static Stream<String> backends() { return BackendAvailability.selected(Backends.providers().stream().map(BackendProvider::name)); }

    private static AlexNet.Config config() {
        return AlexNet.Config.of(AlexNet.Variant.PAPER).withWidthMultiplier(1.0 / 16).withInputSize(67).withClasses(10).withDropout(0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void threeReplaysOfARecordedStepEqualThreeStepsOpByOp(String name) {
        BackendAvailability.assumeAvailable(name);
        Shape images = Architecture.withBatch(config().inputShape(), 3);
        int[] labels = {3, 0, 9};
        try (Backend backend = Backends.create(name);
             Sequential recorded = AlexNet.create(backend, config(), 5); Sequential stepped = AlexNet.create(backend, config(), 5);
             Tensor x = upload(backend, images, HostTensors.gaussian(1, images.size(), 50));
             Tensor probs = backend.allocate(Shape.of(3, 10)); Tensor dlogits = backend.allocate(Shape.of(3, 10))) {
            Runnable recordedStep = () -> step(backend, recorded, x, probs, dlogits, labels);
            try (Backend.Replay replay = backend.capture(recordedStep)) {
                for (int i = 0; i < 3; i++) replay.replay();
            }
            for (int i = 0; i < 4; i++) step(backend, stepped, x, probs, dlogits, labels);
            List<String> failures = new ArrayList<>();
            for (String parameter : stepped.parameters().keySet()) {
                String mismatch = Approx.mismatch(name + " " + parameter + " after 1 + 3 replays", stepped.parameters().get(parameter).shape(),
                        Approx.toDoubles(stepped.read(parameter)), Approx.toDoubles(recorded.read(parameter)), 0, 1e-6);
                if (mismatch != null) failures.add(mismatch);
            }
            assertAll(failures.stream().map(m -> () -> fail(m)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aClosedReplayOrARecordingThatNeedsTheHostIsRefused(String name) {
        BackendAvailability.assumeAvailable(name);
        try (Backend backend = Backends.create(name); Tensor t = backend.allocate(Shape.of(5))) {
            float[] host = new float[5];
            if (name.equals("cuda")) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> backend.capture(() -> backend.copyToHost(host, 0, t)));
                assertEquals("copyToHost is not allowed while a CUDA graph is being recorded", e.getMessage());
                Backend.Replay replay = backend.capture(() -> backend.fill(t, 2f));
                replay.close();
                assertThrows(IllegalStateException.class, replay::replay);
                try (Backend.Replay stale = backend.capture(() -> backend.fill(t, 3f))) {
                    backend.allocate(Shape.of(7)).close(); // any freed block may be one the recording uses
                    IllegalStateException gone = assertThrows(IllegalStateException.class, stale::replay);
                    assertTrue(gone.getMessage().startsWith("this replay's device memory may be gone"), gone.getMessage());
                }
            } else {
                try (Backend.Replay replay = backend.capture(() -> backend.fill(t, 2f))) {
                    backend.fill(t, 0f);
                    replay.replay();
                }
                backend.copyToHost(host, 0, t);
                assertEquals(2f, host[4], "the default replay runs the work again");
            }
        }
    }

    /** A training step without host round trips: the loss stays on the backend. */
    private static void step(Backend backend, Sequential network, Tensor x, Tensor probs, Tensor dlogits, int[] labels) {
        Tensor logits = network.forward(x, true);
        backend.softmaxForward(probs, logits);
        backend.softmaxCrossEntropyBackward(dlogits, probs, labels);
        network.backward(dlogits);
        Sgd.paper().step(network, 0.01f);
    }
}
