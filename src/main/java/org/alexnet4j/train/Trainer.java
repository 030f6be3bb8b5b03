package org.alexnet4j.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.alexnet4j.data.Batch;
import org.alexnet4j.data.BatchSource;
import org.alexnet4j.nn.Sequential;

/**
 * Trains a classifier network: per batch copy in -> forward (training) -> softmax cross-entropy ->
 * backward -> SGD; after each epoch evaluates on the validation source and steps the learning-rate
 * schedule. Reproducible: data order comes from the epoch number, dropout from the network's step, and
 * {@link #state()} / {@link #restore(State)} carry both across a checkpoint.
 */
public final class Trainer implements AutoCloseable {
    /** Where a run stands: the next epoch to run (0-based), training steps done, and the schedule. */
    public record State(int epoch, long step, LearningRateSchedule.State schedule) {}

    private final Classifier classifier;
    private final Sgd sgd;
    private final LearningRateSchedule schedule;
    private final TrainingListener listener;
    private int epoch;

    public Trainer(Sequential network, Sgd sgd, LearningRateSchedule schedule, TrainingListener listener) {
        this.classifier = new Classifier(network);
        this.sgd = sgd;
        this.schedule = schedule;
        this.listener = listener;
    }

    public Classifier classifier() { return classifier; }

    public State state() { return new State(epoch, classifier.network().step(), schedule.state()); }

    /** Continues a run from a checkpoint's state (the parameters and velocity are restored separately). */
    public void restore(State state) {
        epoch = state.epoch();
        classifier.network().setStep(state.step());
        schedule.restore(state.schedule());
    }

    /**
     * Runs epochs from the current one up to {@code epochs} (exclusive) on {@code train}, evaluating on
     * {@code validation} (null: none) after each; returns their results.
     * @throws TrainingDivergedException when the loss stops being finite
     */
    public List<TrainingListener.EpochResult> fit(BatchSource train, BatchSource validation, int epochs) {
        List<TrainingListener.EpochResult> results = new ArrayList<>();
        for (; epoch < epochs; epoch++) {
            TrainingListener.EpochResult result = runEpoch(train, validation, epochs);
            schedule.epochEnded(validation != null ? result.validationTop1Error() : result.trainLoss());
            results.add(result);
            listener.onEpochEnd(result);
        }
        return results;
    }

    private TrainingListener.EpochResult runEpoch(BatchSource train, BatchSource validation, int epochs) {
        long start = System.nanoTime();
        float learningRate = schedule.learningRate();
        Sequential network = classifier.network();
        Metrics metrics = new Metrics(classifier.classes());
        Iterator<Batch> batches = train.epoch(epoch);
        while (batches.hasNext()) {
            Batch batch = batches.next();
            float loss = classifier.forward(batch, true);
            if (!Float.isFinite(loss)) throw new TrainingDivergedException(epoch, network.step(), loss, learningRate);
            classifier.backward();
            sgd.step(network, learningRate);
            metrics.add(classifier.probabilities(), classifier.labels(), batch.size(), loss);
            Score sofar = metrics.score();
            double seconds = (System.nanoTime() - start) / 1e9;
            listener.onProgress(new TrainingListener.Progress(epoch, epochs, network.step(), sofar.images(), train.imagesPerEpoch(),
                    sofar.loss(), sofar.images() / seconds, learningRate));
        }
        Score trained = metrics.score();
        Score validated = validation == null ? new Score(0, Double.NaN, Double.NaN, Double.NaN) : classifier.evaluate(validation, 0);
        return new TrainingListener.EpochResult(epoch, epochs, network.step(), trained.loss(), trained.top1Accuracy(), validated.loss(),
                validated.top1Accuracy(), validated.top5Accuracy(), learningRate, (System.nanoTime() - start) / 1e9);
    }

    /** Frees the classifier's buffers; the network belongs to the caller. */
    @Override public void close() { classifier.close(); }
}
