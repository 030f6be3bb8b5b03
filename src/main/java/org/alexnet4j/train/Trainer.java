// The training loop: epochs of steps over a BatchSource, a hook after every step and epoch, a position to stop and resume at.
package org.alexnet4j.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.alexnet4j.data.Batch;
import org.alexnet4j.data.BatchSource;
import org.alexnet4j.nn.Sequential;

/**
 * Trains a classifier network: per batch copy in -> forward (training) -> softmax cross-entropy ->
 * backward -> SGD, then the listener's {@link TrainingListener#onProgress} hook; after each epoch it
 * evaluates on the validation source, steps the learning-rate schedule and calls
 * {@link TrainingListener#onEpochEnd}. When a hook runs, {@link #state()} already says where the run
 * stands after that step or epoch, so a hook can checkpoint it.
 *
 * <p>Reproducible: data order and augmentation come from (epoch, batch index), dropout from the
 * network's step, and {@link #state()} / {@link #restore(State)} carry the position across a checkpoint:
 * a restored trainer asks its source for the epoch from the next batch on, never for the batches before.
 * {@link #requestStop()} (from any thread) ends {@link #fit} at the next step boundary.
 */
public final class Trainer implements AutoCloseable {
    /**
     * Where a run stands: the next step trains batch {@code batch} (0-based) of epoch {@code epoch}
     * (0-based; batch 0 of epoch E when epochs 0..E-1 are done); {@code step} steps are done;
     * {@code epochLossSum} and {@code epochImages} are the sum of batch mean loss x batch images, and the
     * images, of the epoch's steps so far; and the schedule's state.
     */
    public record State(int epoch, int batch, long step, double epochLossSum, long epochImages, LearningRateSchedule.State schedule) {
        public State {
            if (epoch < 0 || batch < 0 || step < 0 || epochImages < 0) {
                throw new IllegalArgumentException("a training position is never negative: epoch " + epoch + ", batch " + batch + ", step " + step
                        + ", images " + epochImages);
            }
        }

        /** The start of epoch {@code epoch} after {@code step} steps. */
        public static State startOf(int epoch, long step, LearningRateSchedule.State schedule) { return new State(epoch, 0, step, 0, 0, schedule); }
    }

    private final Classifier classifier;
    private final Sgd sgd;
    private final LearningRateSchedule schedule;
    private final TrainingListener listener;
    private int epoch, batch;
    private double epochLossSum;
    private long epochImages;
    private volatile boolean stopRequested;

    /** {@code sgd}'s momentum and weight decay are used at the rate the {@code schedule} gives each epoch. */
    public Trainer(Sequential network, Sgd sgd, LearningRateSchedule schedule, TrainingListener listener) {
        this.classifier = new Classifier(network);
        this.sgd = sgd;
        this.schedule = schedule;
        this.listener = listener;
    }

    public Classifier classifier() { return classifier; }

    public State state() { return new State(epoch, batch, classifier.network().step(), epochLossSum, epochImages, schedule.state()); }

    /** Continues a run from a checkpoint's state (the parameters and velocity are restored separately). */
    public void restore(State state) {
        epoch = state.epoch();
        batch = state.batch();
        epochLossSum = state.epochLossSum();
        epochImages = state.epochImages();
        classifier.network().setStep(state.step());
        schedule.restore(state.schedule());
    }

    /**
     * Asks {@link #fit} to return after the step in progress (or at once, between steps); safe from any
     * thread, such as a signal handler's. A stopped trainer stays stopped: later fits return at once.
     */
    public void requestStop() { stopRequested = true; }

    public boolean stopRequested() { return stopRequested; }

    /**
     * Runs from the current position up to the end of epoch {@code epochs} (exclusive, 0-based) on
     * {@code train}, evaluating on {@code validation} (null: none) after each epoch; returns the results
     * of the epochs it finished. Returns early, mid-epoch, when a stop was requested.
     * @throws TrainingDivergedException when the loss stops being finite
     */
    public List<TrainingListener.EpochResult> fit(BatchSource train, BatchSource validation, int epochs) {
        List<TrainingListener.EpochResult> results = new ArrayList<>();
        while (epoch < epochs && !stopRequested) {
            TrainingListener.EpochResult result = runEpoch(train, validation, epochs);
            if (result == null) break;
            results.add(result);
        }
        return results;
    }

    /** The rest of the current epoch and its validation; null when stopped first. */
    private TrainingListener.EpochResult runEpoch(BatchSource train, BatchSource validation, int epochs) {
        long start = System.nanoTime(), imagesNow = 0;
        float learningRate = schedule.learningRate();
        Sequential network = classifier.network();
        Iterator<Batch> batches = train.epoch(epoch, batch);
        while (batches.hasNext()) {
            if (stopRequested) return null;
            Batch b = batches.next();
            float loss = classifier.forward(b, true);
            if (!Float.isFinite(loss)) throw new TrainingDivergedException(epoch, network.step(), loss, learningRate);
            classifier.backward();
            sgd.step(network, learningRate);
            batch++;
            epochLossSum += (double) loss * b.size();
            epochImages += b.size();
            imagesNow += b.size();
            listener.onProgress(new TrainingListener.Progress(epoch, epochs, network.step(), loss, epochImages, train.imagesPerEpoch(),
                    epochLossSum / epochImages, imagesNow / ((System.nanoTime() - start) / 1e9), learningRate));
        }
        if (stopRequested) return null;
        Score validated = validation == null ? new Score(0, Double.NaN, Double.NaN, Double.NaN) : classifier.evaluate(validation, 0);
        double trainLoss = epochImages == 0 ? Double.NaN : epochLossSum / epochImages;
        TrainingListener.EpochResult result = new TrainingListener.EpochResult(epoch, epochs, network.step(), trainLoss, validated.loss(),
                validated.top1Accuracy(), validated.top5Accuracy(), learningRate, (System.nanoTime() - start) / 1e9);
        schedule.epochEnded(validation != null ? result.validationTop1Error() : result.trainLoss());
        epoch++;
        batch = 0;
        epochLossSum = 0;
        epochImages = 0;
        listener.onEpochEnd(result);
        return result;
    }

    /** Frees the classifier's buffers; the network belongs to the caller. */
    @Override public void close() { classifier.close(); }
}
