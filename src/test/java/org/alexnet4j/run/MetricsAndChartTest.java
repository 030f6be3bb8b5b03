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
    }

    private static int count(BufferedImage image, int fromX, int toX, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) for (int x = fromX; x < toX; x++) if ((image.getRGB(x, y) & 0xffffff) == rgb) n++;
        return n;
    }
}
