// metrics.csv round trip and the chart's curves.
package org.alexnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsAndChartTest {
    private static final List<EpochRecord> HISTORY = List.of(
            new EpochRecord(1, 50, 2.25, 2.125, 0.25, 0.625, 0.01, 12.5),
            new EpochRecord(2, 100, 1.5, Double.NaN, Double.NaN, Double.NaN, 0.001, 11.25),
            new EpochRecord(3, 150, 0.75, 1.0, 0.75, 1.0, 0.001, 10.0));

    @Test
    void csvRoundTripKeepsEveryValueAndLeavesNanEmpty() {
        String csv = MetricsCsv.format(HISTORY);
        assertEquals(MetricsCsv.HEADER, csv.lines().findFirst().orElseThrow());
        assertEquals("2,100,1.5,,,,0.001,11.250", csv.lines().skip(2).findFirst().orElseThrow());
        assertEquals(HISTORY, MetricsCsv.parse(csv, "test"));
    }

    @Test
    void chartDrawsEachCurveInItsPanel() {
        BufferedImage image = CurveChart.render(HISTORY);
        int half = CurveChart.WIDTH / 2;
        assertTrue(count(image, 0, half, 0x1f77b4) > 50, "train loss curve in the left panel");
        assertTrue(count(image, 0, half, 0xd62728) > 50, "validation loss curve in the left panel");
        assertTrue(count(image, half, CurveChart.WIDTH, 0x2ca02c) > 50, "top-5 curve in the right panel");
        assertEquals(0, count(image, half, CurveChart.WIDTH, 0x1f77b4), "no train-loss colour in the accuracy panel");
        // The train-loss segment from epoch 1 (x 50, loss 2.25 = top, y 40) to epoch 2 (x 265, loss 1.5 = mid-range, y 205)
        // passes through (157, 122); the point markers are 6 pixels wide, far from there.
        assertTrue(count(image, 150, 165, 110, 135, 0x1f77b4) > 0, "the segment between the epoch 1 and 2 points is drawn");
    }

    private static int count(BufferedImage image, int fromX, int toX, int rgb) {
        return count(image, fromX, toX, 0, image.getHeight(), rgb);
    }

    private static int count(BufferedImage image, int fromX, int toX, int fromY, int toY, int rgb) {
        int n = 0;
        for (int y = fromY; y < toY; y++) for (int x = fromX; x < toX; x++) if ((image.getRGB(x, y) & 0xffffff) == rgb) n++;
        return n;
    }
}
