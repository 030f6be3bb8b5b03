package org.alexnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.Test;

/** Inference is not training: an unlabelled forward ends in softmax and computes no loss; only a labelled one does. */
class ClassifierTest {
    private static Architecture network() {
        return new Architecture(Shape.of(1, 2, 3), List.of(new Flatten("flatten"), new Linear("fc1", 6, 5, true, Init.normal(0.7), Init.constant(0.1f)),
                new ReLU("relu1"), new Linear("fc2", 5, 4, true, Init.normal(0.7), Init.constant(0))));
    }

    @Test void anUnlabelledForwardIsSoftmaxOnlyAndGivesTheLabelledForwardsProbabilities() {
        Map<String, Integer> calls = CountingBackend.counts();
        float[] images = HostTensors.gaussian(3, 3 * 6, 1);
        try (Backend reference = Backends.create("reference"); Backend counted = CountingBackend.wrap(reference, calls);
             Sequential network = new Sequential(counted, network(), 9); Classifier classifier = new Classifier(network)) {
            float[] predicted = Arrays.copyOf(classifier.predict(images, 3), 3 * 4);
            assertEquals(1, calls.get("softmaxForward"));
            assertNull(calls.get("softmaxCrossEntropyForward"), "no loss without labels");
            assertThrows(IllegalStateException.class, classifier::backward, "nothing to back-propagate without labels");

            float loss = classifier.forward(new Batch(Shape.of(3, 1, 2, 3), images, new int[] {0, 3, 1}), false);
            assertEquals(1, calls.get("softmaxCrossEntropyForward"));
            assertArrayEquals(Arrays.copyOf(classifier.probabilities(), 3 * 4), predicted);
            double expected = 0;
            int[] labels = {0, 3, 1};
            for (int n = 0; n < 3; n++) expected -= Math.log(predicted[n * 4 + labels[n]]) / 3;
            assertEquals(expected, loss, 1e-6);
        }
    }
}
