// The progress bar: redraws in place on a terminal, prints rate-limited plain lines otherwise.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private long now;

    @Test
    void terminalRedrawsOneLineWithRateEtaAndLoss() {
        StringWriter text = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), true, () -> now);
        bar.start("epoch 1/2", 1000);
        now = 2_000_000_000L; // 2 s for 200 images: 100 img/s, 800 left = 8 s
        bar.update(200, 1.5);
        now += ProgressBar.TERMINAL_INTERVAL_NANOS / 2;
        bar.update(210, 1.4); // too soon: not drawn
        bar.finish("epoch 1/2 done");
        String s = text.toString();
        assertTrue(s.startsWith("\repoch 1/2 [#####...................] 200/1000  100.0 img/s  ETA 0:08  loss 1.5000"), s);
        assertEquals(1, s.split("img/s", -1).length - 1, s);
        assertTrue(s.endsWith("\repoch 1/2 done" + System.lineSeparator()), s);
    }

    @Test
    void plainOutputPrintsAtMostOneLinePerInterval() {
        StringWriter text = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), false, () -> now);
        bar.start("epoch 1/1", 100);
        for (int i = 1; i <= 100; i++) {
            now += ProgressBar.PLAIN_INTERVAL_NANOS / 40; // 100 updates over 2.5 intervals
            bar.update(i, 2.0);
        }
        bar.finish("done");
        String[] lines = text.toString().split(System.lineSeparator());
        assertEquals(3, lines.length, text.toString()); // two progress lines, then the summary
        assertTrue(lines[0].startsWith("epoch 1/1 40/100  4.0 img/s  ETA 0:15  loss 2.0000"), lines[0]);
        assertTrue(!text.toString().contains("\r"));
    }

    @Test
    void durationsAreMinutesOrHours() {
        assertEquals("0:59", ProgressBar.duration(59.4));
        assertEquals("1:00:05", ProgressBar.duration(3605));
    }
}
