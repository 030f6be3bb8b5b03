// The live progress line of an epoch: a bar redrawn in place on a terminal, plain periodic lines otherwise.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows images done / total, images per second, the time left in the epoch and the running loss. On a
 * terminal the line is redrawn with a carriage return at most every {@link #TERMINAL_INTERVAL_NANOS};
 * into a file or pipe a plain line is printed at most every {@link #PLAIN_INTERVAL_NANOS}, so logs stay short.
 */
final class ProgressBar {
    static final long TERMINAL_INTERVAL_NANOS = 200_000_000L;
    static final long PLAIN_INTERVAL_NANOS = 10_000_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintWriter out;
    private final boolean terminal;
    private final LongSupplier clock;
    private String label = "";
    private long total;
    private long start;
    private long lastDraw;
    private int drawnWidth;

    ProgressBar(PrintWriter out, boolean terminal, LongSupplier nanoClock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = nanoClock;
    }

    /** For standard output: a bar when it is an interactive terminal. */
    static ProgressBar forConsole(PrintWriter out) {
        java.io.Console console = System.console();
        return new ProgressBar(out, console != null && console.isTerminal(), System::nanoTime);
    }

    /** The label of the current bar ("" before the first). */
    String label() { return label; }

    /** Starts a new bar of {@code totalImages} images, e.g. label "epoch 3/10". */
    void start(String label, long totalImages) {
        this.label = label;
        this.total = totalImages;
        this.start = clock.getAsLong();
        this.lastDraw = start;
        this.drawnWidth = 0;
    }

    /** Reports progress; draws when enough time has passed since the last drawing. */
    void update(long imagesDone, double runningLoss) {
        long now = clock.getAsLong();
        if (now - lastDraw < (terminal ? TERMINAL_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS) && imagesDone < total) return;
        if (!terminal && imagesDone >= total) return; // the epoch line that follows says the rest
        lastDraw = now;
        String line = line(imagesDone, runningLoss, (now - start) / 1e9);
        if (terminal) {
            out.print('\r' + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
            drawnWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Clears the bar (on a terminal) and prints {@code summary} on its own line. */
    void finish(String summary) {
        if (terminal && drawnWidth > 0) out.print('\r' + " ".repeat(drawnWidth) + '\r');
        drawnWidth = 0;
        out.println(summary);
        out.flush();
    }

    String line(long done, double runningLoss, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        double fraction = total > 0 ? Math.min(1, (double) done / total) : 0;
        StringBuilder b = new StringBuilder(label).append(' ');
        if (terminal) {
            int filled = (int) Math.round(fraction * BAR_WIDTH);
            b.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ");
        }
        b.append(done).append('/').append(total);
        b.append(String.format(Locale.ROOT, "  %.1f img/s  ETA %s  loss %.4f", rate,
                rate > 0 ? duration((total - done) / rate) : "?", runningLoss));
        return b.toString();
    }

    /** h:mm:ss or m:ss. */
    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
