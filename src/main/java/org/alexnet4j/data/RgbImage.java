package org.alexnet4j.data;

import org.alexnet4j.backend.host.HostLimits;

/**
 * A decoded RGB image: planar (3, height, width) floats, channel order R, G, B, every value in [0, 1]
 * (8-bit samples divided by 255, 16-bit by 65535). Resampling may overshoot [0, 1] slightly (bicubic).
 */
public record RgbImage(int height, int width, float[] pixels) {
    public static final int CHANNELS = 3;

    public RgbImage {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("image size " + height + "x" + width + " must be positive");
        if (pixels.length != (long) CHANNELS * height * width) {
            throw new IllegalArgumentException("image " + height + "x" + width + " needs " + (long) CHANNELS * height * width + " floats, got " + pixels.length);
        }
    }

    public static RgbImage blank(int height, int width) {
        return new RgbImage(height, width, HostLimits.floats("an RGB image of " + width + "x" + height + " pixels", (long) CHANNELS * height * width));
    }

    /** Offset of channel {@code c}, row {@code y}, column {@code x} in {@link #pixels()}. */
    public int index(int c, int y, int x) { return (c * height + y) * width + x; }
}
