package org.alexnet4j.train;

import java.io.PrintStream;
import java.util.Locale;

/** Prints a progress line at most every {@code intervalSeconds} and one line per epoch, for logs. */
public final class ConsoleListener implements TrainingListener {
    private final PrintStream out;
    private final double intervalSeconds;
    private long lastPrint = System.nanoTime();

    public ConsoleListener(PrintStream out, double intervalSeconds) {
        this.out = out;
        this.intervalSeconds = intervalSeconds;
    }

    @Override public void onProgress(Progress p) {
        long now = System.nanoTime();
        if ((now - lastPrint) / 1e9 < intervalSeconds) return;
        lastPrint = now;
        out.println(String.format(Locale.ROOT, "epoch %d/%d  %d/%d images  loss %.4f  %.1f img/s  lr %.3g",
                p.epoch() + 1, p.epochs(), p.imagesDone(), p.imagesTotal(), p.loss(), p.imagesPerSecond(), p.learningRate()));
    }

    @Override public void onEpochEnd(EpochResult r) {
        String validation = Double.isNaN(r.validationLoss()) ? "no validation set"
                : String.format(Locale.ROOT, "val loss %.4f  top-1 %.2f%% (error %.2f%%)  top-5 %.2f%% (error %.2f%%)",
                        r.validationLoss(), 100 * r.validationTop1Accuracy(), 100 * r.validationTop1Error(),
                        100 * r.validationTop5Accuracy(), 100 * r.validationTop5Error());
        out.println(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f  %s  lr %.3g  %.1f s",
                r.epoch() + 1, r.epochs(), r.trainLoss(), validation, r.learningRate(), r.seconds()));
    }
}
