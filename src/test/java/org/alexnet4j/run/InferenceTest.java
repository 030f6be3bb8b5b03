package org.alexnet4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.Batch;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Flatten;
import org.alexnet4j.nn.Init;
import org.alexnet4j.nn.Linear;
import org.alexnet4j.nn.ReLU;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.testing.CountingBackend;
import org.alexnet4j.testing.HostTensors;
import org.alexnet4j.train.Classifier;
import org.junit.jupiter.api.Test;

/** Inference is not training: it ends in softmax and computes no loss; layer outputs and logits come from the same pass. */
class InferenceTest {
    private static Architecture network() {
        return new Architecture(Shape.of(1, 2, 3), List.of(new Flatten("flatten"), new Linear("fc1", 6, 5, true, Init.normal(0.7), Init.constant(0.1f)),
                new ReLU("relu1"), new Linear("fc2", 5, 4, true, Init.normal(0.7), Init.constant(0))));
    }

    @Test void inferenceEndsInSoftmaxWithNoLossAndGivesTheLabelledForwardsProbabilities() {
        Map<String, Integer> calls = CountingBackend.counts();
        float[] images = HostTensors.gaussian(3, 3 * 6, 1);
        int[] labels = {0, 3, 1};
        try (Backend reference = Backends.create("reference"); Backend counted = CountingBackend.wrap(reference, calls);
             Sequential network = new Sequential(counted, network(), 9); Classifier classifier = new Classifier(network);
             Inference inference = new Inference(network.weights(), new ReentrantLock())) {
            float[] probabilities = inference.probabilities(images, 3);
            assertEquals(1, calls.get("softmaxForward"));
            assertNull(calls.get("softmaxCrossEntropyForward"), "no loss without labels");

            float loss = classifier.forward(new Batch(Shape.of(3, 1, 2, 3), images, labels), false);
            assertArrayEquals(Arrays.copyOf(classifier.probabilities(), 3 * 4), probabilities);
            double expected = 0;
            for (int n = 0; n < 3; n++) expected -= Math.log(probabilities[n * 4 + labels[n]]) / 3;
            assertEquals(expected, loss, 1e-6);

            float[] logits = inference.logits(images, 3);
            Map<String, float[]> outputs = inference.outputs(images, 3, List.of("relu1", "fc2"));
            assertArrayEquals(logits, outputs.get("fc2"));
            for (float v : outputs.get("relu1")) assertTrue(v >= 0, "relu1 output " + v);
            for (int n = 0; n < 3; n++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < 4; j++) max = Math.max(max, logits[n * 4 + j]);
                for (int j = 0; j < 4; j++) sum += Math.exp(logits[n * 4 + j] - max);
                for (int j = 0; j < 4; j++) assertEquals(Math.exp(logits[n * 4 + j] - max) / sum, probabilities[n * 4 + j], 1e-6);
            }
            assertThrows(IllegalArgumentException.class, () -> inference.outputs(images, 3, List.of("fc9")));
            assertThrows(IllegalArgumentException.class, () -> inference.logits(images, 4), "4 inputs need 24 floats");
        }
    }
}
