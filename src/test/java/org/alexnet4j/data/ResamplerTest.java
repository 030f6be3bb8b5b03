package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;

class ResamplerTest {
    /** Pixel (c, y, x) = f(c, y, x) for the given function. */
    private static RgbImage image(int h, int w, java.util.function.IntUnaryOperator... channels) {
        RgbImage image = RgbImage.blank(h, w);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) image.pixels()[image.index(c, y, x)] = c * 1000 + y * 37 + x * 3 + (x * y) % 7;
        }
        return image;
    }

    /** Halving along both axes averages each 2x2 block exactly (area resampling), here on a 6x10 image. */
    @Test void halvingAveragesTwoByTwoBlocks() {
        RgbImage in = image(6, 10);
        RgbImage out = Resampler.resize(in, 3, 5);
        float[] expected = new float[3 * 3 * 5];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 5; x++) {
                    float sum = 0;
                    for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) sum += in.pixels()[in.index(c, 2 * y + dy, 2 * x + dx)];
                    expected[out.index(c, y, x)] = sum / 4;
                }
            }
        }
        // float sums of 4 values up to ~1150: rounding below 1e-6 relative.
        Approx.assertClose("2x2 block means", expected, out.pixels(), 0, 1e-6);
    }

    /** A non-integer shrink (7 -> 3) weights each input by its overlap with the output's interval. */
    @Test void areaShrinkWeighsPartialOverlap() {
        RgbImage in = RgbImage.blank(1, 7);
        for (int x = 0; x < 7; x++) in.pixels()[x] = x * x;
        RgbImage out = Resampler.resize(in, 1, 3);
        double scale = 7 / 3.0;
        float[] expected = {
            (float) ((0 + 1 + 4 * (scale - 2)) / scale),
            (float) ((4 * (3 - scale) + 9 + 16 * (2 * scale - 4)) / scale),
            (float) ((16 * (5 - 2 * scale) + 25 + 36) / scale)};
        Approx.assertClose("7 -> 3 area weights", expected, java.util.Arrays.copyOf(out.pixels(), 3), 0, 1e-6);
    }

    /** Bicubic (Keys, a = -0.5) reproduces a linear ramp exactly away from the clamped edges. */
    @Test void upscalingKeepsLinearRampsAndConstants() {
        RgbImage in = RgbImage.blank(5, 8);
        for (int c = 0; c < 3; c++) for (int y = 0; y < 5; y++) for (int x = 0; x < 8; x++) in.pixels()[in.index(c, y, x)] = c == 2 ? 0.25f : 0.1f * x + 0.05f * y;
        RgbImage out = Resampler.resize(in, 13, 21);
        for (int y = 0; y < 13; y++) {
            for (int x = 0; x < 21; x++) {
                double sourceX = (x + 0.5) * 8 / 21 - 0.5, sourceY = (y + 0.5) * 5 / 13 - 0.5;
                assertEquals(0.25f, out.pixels()[out.index(2, y, x)], 1e-6, "constant at " + y + "," + x);
                if (sourceX >= 1 && sourceX <= 6 && sourceY >= 1 && sourceY <= 3) {
                    assertEquals(0.1 * sourceX + 0.05 * sourceY, out.pixels()[out.index(0, y, x)], 1e-5, "ramp at " + y + "," + x);
                }
            }
        }
    }

    /** 40x20 with side 10: shrunk 2x to 20x10 (area), then rows 5..14 kept. */
    @Test void shorterSideThenCentreCrop() {
        RgbImage in = image(40, 20);
        RgbImage expected = Resampler.crop(Resampler.resize(in, 20, 10), 5, 0, 10, 10);
        RgbImage out = Resampler.shorterSideAndCentreCrop(in, 10);
        assertEquals(10, out.height());
        assertEquals(10, out.width());
        Approx.assertClose("base image", expected.pixels(), out.pixels(), 0, 0);
        float topLeftRed = (in.pixels()[in.index(0, 10, 0)] + in.pixels()[in.index(0, 10, 1)] + in.pixels()[in.index(0, 11, 0)] + in.pixels()[in.index(0, 11, 1)]) / 4;
        assertEquals(topLeftRed, out.pixels()[0], 1e-3, "pixel (0, 0) of the crop is the mean of source rows 10-11, columns 0-1");
        assertSame(in, Resampler.resize(in, 40, 20), "same size: no resampling");
    }
}
