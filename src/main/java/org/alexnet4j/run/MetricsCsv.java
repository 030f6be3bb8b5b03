// metrics.csv of a run directory: one line per epoch, rewritten whole after every epoch.
package org.alexnet4j.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.alexnet4j.io.AtomicFiles;

/**
 * Writes the history as CSV (columns: epoch, step, train_loss, val_loss, top1, top5, lr, seconds). The
 * file is replaced atomically, so after a resume it holds exactly the epochs the resumed run knows of.
 */
public final class MetricsCsv {
    public static final String HEADER = "epoch,step,train_loss,val_loss,top1,top5,lr,seconds";

    private MetricsCsv() {}

    public static String format(List<EpochRecord> history) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (EpochRecord r : history) {
            b.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%s,%s,%.3f%n", r.epoch(), r.step(), number(r.trainLoss()),
                    number(r.validationLoss()), number(r.top1()), number(r.top5()), number(r.learningRate()), r.seconds()));
        }
        return b.toString();
    }

    /** The history that {@link #format} wrote (as stored in checkpoints); {@code source} names it in messages. */
    public static List<EpochRecord> parse(String csv, String source) {
        String[] lines = csv.split("\n");
        if (lines.length == 0 || !lines[0].equals(HEADER)) throw new IllegalArgumentException(source + ": metrics do not start with the header " + HEADER);
        List<EpochRecord> history = new java.util.ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            try {
                if (f.length != 8) throw new NumberFormatException(f.length + " fields");
                history.add(new EpochRecord(Integer.parseInt(f[0]), Long.parseLong(f[1]), value(f[2]), value(f[3]), value(f[4]),
                        value(f[5]), value(f[6]), Double.parseDouble(f[7])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": metrics line " + (i + 1) + " is malformed (" + e.getMessage() + "): " + lines[i]);
            }
        }
        return history;
    }

    private static double value(String field) { return field.isEmpty() ? Double.NaN : Double.parseDouble(field); }

    public static void write(Path file, List<EpochRecord> history) throws IOException {
        AtomicFiles.write(file, format(history).getBytes(StandardCharsets.UTF_8));
    }

    /** Empty for NaN (a run without validation), otherwise the shortest exact decimal form. */
    private static String number(double value) {
        return Double.isNaN(value) ? "" : Double.toString(value);
    }
}
