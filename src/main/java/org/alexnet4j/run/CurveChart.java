// chart.png of a run directory: loss and accuracy curves drawn with Java2D into an image (no display needed).
package org.alexnet4j.run;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.alexnet4j.io.AtomicFiles;

/**
 * Two panels side by side: train and validation loss per epoch (left), validation top-1 and top-5
 * accuracy in percent (right). NaN values (no validation set) are left out of a curve.
 */
public final class CurveChart {
    static final int WIDTH = 1000;
    static final int HEIGHT = 420;
    private static final int MARGIN = 50;
    private static final Color TRAIN = new Color(0x1f77b4);
    private static final Color VALIDATION = new Color(0xd62728);
    private static final Color TOP5 = new Color(0x2ca02c);

    private CurveChart() {}

    private record Curve(String label, Color color, ToDoubleFunction<EpochRecord> value) {}

    public static BufferedImage render(List<EpochRecord> history) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            int half = WIDTH / 2;
            panel(g, history, 0, half, "loss", false,
                    new Curve("train", TRAIN, EpochRecord::trainLoss), new Curve("validation", VALIDATION, EpochRecord::validationLoss));
            panel(g, history, half, half, "accuracy (%)", true,
                    new Curve("top-1", VALIDATION, r -> 100 * r.top1()), new Curve("top-5", TOP5, r -> 100 * r.top5()));
        } finally {
            g.dispose();
        }
        return image;
    }

    public static void write(Path file, List<EpochRecord> history) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(render(history), "png", png)) throw new IOException("no PNG writer in this JVM");
        AtomicFiles.write(file, png.toByteArray());
    }

    /** One panel at x offset {@code left}: axes with min/max labels, a title, a legend and the curves. */
    private static void panel(Graphics2D g, List<EpochRecord> history, int left, int width, String title, boolean fromZero,
                              Curve... curves) {
        double low = Double.POSITIVE_INFINITY, high = Double.NEGATIVE_INFINITY;
        for (Curve c : curves) {
            for (EpochRecord r : history) {
                double v = c.value.applyAsDouble(r);
                if (Double.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
            }
        }
        if (low > high) { low = 0; high = 1; }
        if (fromZero) low = Math.min(0, low);
        if (high - low < 1e-9) high = low + 1;
        int x0 = left + MARGIN, x1 = left + width - 20, y0 = HEIGHT - MARGIN, y1 = 40;
        int lastEpoch = history.isEmpty() ? 1 : Math.max(1, history.getLast().epoch());
        int firstEpoch = history.isEmpty() ? 0 : Math.min(history.getFirst().epoch(), lastEpoch - 1);

        g.setColor(Color.BLACK);
        g.drawString(title, x0, 20);
        g.drawLine(x0, y0, x1, y0);
        g.drawLine(x0, y0, x0, y1);
        g.drawString(String.format(Locale.ROOT, "%.3g", high), left + 4, y1 + 5);
        g.drawString(String.format(Locale.ROOT, "%.3g", low), left + 4, y0);
        g.drawString("epoch " + firstEpoch, x0, y0 + 18);
        String end = "epoch " + lastEpoch;
        g.drawString(end, x1 - g.getFontMetrics().stringWidth(end), y0 + 18);

        g.setStroke(new BasicStroke(2f));
        int legendX = x1 - 100 * curves.length; // the legend sits in the title row, right-aligned, clear of the curves
        for (Curve c : curves) {
            g.setColor(c.color);
            int previousX = -1, previousY = -1;
            for (EpochRecord r : history) {
                double v = c.value.applyAsDouble(r);
                if (!Double.isFinite(v)) { previousX = -1; continue; }
                int x = x0 + (int) Math.round((double) (r.epoch() - firstEpoch) / (lastEpoch - firstEpoch) * (x1 - x0));
                int y = y0 - (int) Math.round((v - low) / (high - low) * (y0 - y1));
                if (previousX >= 0) g.drawLine(previousX, previousY, x, y);
                g.fillOval(x - 3, y - 3, 6, 6);
                previousX = x;
                previousY = y;
            }
            g.drawLine(legendX, 16, legendX + 20, 16);
            g.drawString(c.label, legendX + 25, 20);
            legendX += 100;
        }
    }
}
