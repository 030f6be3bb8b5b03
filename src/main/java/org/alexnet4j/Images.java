// Decoded images for the embedding API, from files, streams, bytes or BufferedImages.
package org.alexnet4j;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Path;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.data.RgbImage;

/**
 * Turns JPEG, PNG, BMP and GIF images into what a {@link Predictor} takes: RGB in [0, 1], any size. A bad
 * image throws {@link org.alexnet4j.data.DataException} naming it (the file, or the name given).
 */
public final class Images {
    private Images() {}

    public static RgbImage read(Path file) { return ImageDecoder.decode(file); }

    /** An encoded image read from {@code stream}, which stays open. */
    public static RgbImage read(InputStream stream) { return ImageDecoder.decode(stream, "image stream"); }

    /** An encoded image held in {@code bytes} (the contents of an image file). */
    public static RgbImage read(byte[] bytes) { return ImageDecoder.decode(bytes, "image bytes"); }

    public static RgbImage of(BufferedImage image) { return ImageDecoder.toRgb(image, "image"); }
}
