// One row of a run's history: what an epoch ended with.
package org.alexnet4j.run;

/**
 * The results of one finished epoch (epoch is 1-based, step counts optimizer steps since the start of the
 * run). Losses are mean cross-entropy in nats; top1/top5 are validation accuracies in [0, 1] (NaN when the
 * run has no validation set); seconds is the epoch's wall-clock time.
 */
public record EpochRecord(int epoch, long step, double trainLoss, double validationLoss, double top1, double top5,
                          double learningRate, double seconds) {
}
