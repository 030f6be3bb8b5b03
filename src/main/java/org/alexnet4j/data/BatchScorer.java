package org.alexnet4j.data;

/**
 * A model as the evaluator sees it: class probabilities for every input of a batch. With the training
 * inference engine: {@code batch -> inference.probabilities(batch.images(), batch.size())}.
 */
@FunctionalInterface
public interface BatchScorer {
    /** Softmax probabilities, (batch.size(), classes) row-major; the array may be reused by the next call. */
    float[] probabilities(Batch batch);
}
