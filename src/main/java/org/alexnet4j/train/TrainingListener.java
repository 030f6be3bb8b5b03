package org.alexnet4j.train;

/**
 * What a Trainer reports while it runs, for a console log or a progress bar. Epochs are 0-based here
 * (as BatchSource numbers them); show epoch + 1 to people.
 */
public interface TrainingListener {
    /**
     * After every training step. step: training steps since the start of the run (1 after the first);
     * batchLoss: the mean loss of this step's batch; imagesDone / imagesTotal: within this epoch (images
     * trained before a resume included); loss: mean training loss of the epoch so far; imagesPerSecond:
     * over this epoch's steps since the trainer started or resumed.
     */
    record Progress(int epoch, int epochs, long step, float batchLoss, long imagesDone, long imagesTotal, double loss,
                    double imagesPerSecond, float learningRate) {}

    /**
     * After every epoch. The validation fields are NaN when there is no validation set; learningRate is
     * the rate the epoch ran with; seconds covers training and validation.
     */
    record EpochResult(int epoch, int epochs, long step, double trainLoss, double validationLoss,
                       double validationTop1Accuracy, double validationTop5Accuracy, float learningRate, double seconds) {
        public double validationTop1Error() { return 1 - validationTop1Accuracy; }

        public double validationTop5Error() { return 1 - validationTop5Accuracy; }
    }

    /** The step hook: after every training step (the trainer's state already counts it). */
    default void onProgress(Progress progress) {}

    /** After every epoch (the trainer's state already stands at the start of the next). */
    default void onEpochEnd(EpochResult result) {}

    /** Reports nothing. */
    TrainingListener SILENT = new TrainingListener() {};
}
