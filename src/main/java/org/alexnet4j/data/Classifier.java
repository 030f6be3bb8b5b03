package org.alexnet4j.data;

/** A model as the evaluator sees it: class probabilities for every input of a batch. */
@FunctionalInterface
public interface Classifier {
    /** Softmax probabilities, (batch.size(), classes) row-major; the array may be reused by the next call. */
    float[] probabilities(Batch batch);
}
