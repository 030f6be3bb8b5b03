package org.alexnet4j.train;

/** The training loss became NaN or infinite; the message names the epoch and step and suggests a lower learning rate. */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final long step;

    public TrainingDivergedException(int epoch, long step, float loss, float learningRate) {
        super("training loss is " + loss + " at epoch " + (epoch + 1) + ", step " + step + " with learning rate " + learningRate
                + ": the run diverged; try a lower learning rate (e.g. " + learningRate / 10 + ")");
        this.epoch = epoch;
        this.step = step;
    }

    /** 0-based. */
    public int epoch() { return epoch; }

    public long step() { return step; }
}
