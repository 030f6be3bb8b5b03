package org.alexnet4j.train;

import java.math.BigDecimal;

/** The training loss became NaN or infinite; the message names the epoch and step and suggests a lower learning rate. */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final long step;

    public TrainingDivergedException(int epoch, long step, float loss, float learningRate) {
        super("training loss is " + loss + " at epoch " + (epoch + 1) + ", step " + step + " with learning rate " + learningRate
                + ": the run diverged; try a lower learning rate (e.g. " + tenth(learningRate) + ")");
        this.epoch = epoch;
        this.step = step;
    }

    /** rate / 10 in decimal, as the rate was written (0.02 gives 0.002, not float's 0.0019999999). */
    private static String tenth(float rate) { return new BigDecimal(Float.toString(rate)).movePointLeft(1).stripTrailingZeros().toPlainString(); }

    /** 0-based. */
    public int epoch() { return epoch; }

    public long step() { return step; }
}
