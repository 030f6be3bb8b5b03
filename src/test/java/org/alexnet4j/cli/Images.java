// Test helper: an RgbImage as an 8-bit BufferedImage, to write image files for the commands under test.
package org.alexnet4j.cli;

import java.awt.image.BufferedImage;
import org.alexnet4j.data.RgbImage;

public final class Images {
    private Images() {}

    public static BufferedImage toBufferedImage(RgbImage rgb) {
        BufferedImage image = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                image.setRGB(x, y, (channel(rgb, 0, y, x) << 16) | (channel(rgb, 1, y, x) << 8) | channel(rgb, 2, y, x));
            }
        }
        return image;
    }

    private static int channel(RgbImage rgb, int c, int y, int x) {
        return Math.clamp(Math.round(rgb.pixels()[rgb.index(c, y, x)] * 255), 0, 255);
    }
}
