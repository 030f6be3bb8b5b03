package org.alexnet4j.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.backend.MemoryLimitException;

/**
 * Decodes JPEG, PNG, BMP and GIF images (files, streams or bytes) with ImageIO into RGB in [0, 1] from the raw samples: gray is
 * copied to all three channels, alpha is dropped, 8- and 16-bit samples are divided by 255 and 65535,
 * palette images go through their palette. Decoder warnings (a truncated JPEG decodes partly, with a
 * warning) are errors. Anything else (CMYK, unknown formats) fails with a message naming the image.
 *
 * <p>The size is read from the header first: an image of more pixels than the limit ({@value #DEFAULT_MAX_PIXELS}
 * unless given) is refused before it is decoded (a small file can claim, or compress, billions of pixels), as
 * is one whose decoded floats would not fit the heap. Every failure, an OutOfMemoryError of the decoder
 * included, is a {@link DataException} naming the image.
 */
public final class ImageDecoder {
    /** The default pixel limit: 100 megapixels (about 1.2 GB of floats once decoded). */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000;

    private ImageDecoder() {}

    public static RgbImage decode(Path file) { return decode(file, DEFAULT_MAX_PIXELS); }

    /** The image in {@code file}, refused without decoding when it has more than {@code maxPixels} pixels. */
    public static RgbImage decode(Path file, long maxPixels) {
        if (Files.isDirectory(file)) throw new DataException(file + ": a directory, not an image file");
        if (!Files.isRegularFile(file)) throw new DataException(file + ": no such image file");
        return decode(() -> ImageIO.createImageInputStream(file.toFile()), file.toString(), maxPixels);
    }

    /** Decodes an encoded image read from {@code stream} (which stays open); {@code name} is used in messages. */
    public static RgbImage decode(InputStream stream, String name) {
        return decode(() -> ImageIO.createImageInputStream(stream), name, DEFAULT_MAX_PIXELS);
    }

    /** Decodes an encoded image held in {@code bytes}; {@code name} is used in messages. */
    public static RgbImage decode(byte[] bytes, String name) { return decode(new ByteArrayInputStream(bytes), name); }

    private interface Source { ImageInputStream open() throws IOException; }

    private static RgbImage decode(Source source, String name, long maxPixels) {
        BufferedImage image;
        try (ImageInputStream in = source.open()) {
            if (in == null) throw new DataException(name + ": cannot open for reading");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new DataException(name + ": not an image in a readable format (JPEG, PNG, BMP, GIF)");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                StringBuilder warnings = new StringBuilder();
                reader.addIIOReadWarningListener((ignored, warning) -> warnings.append(warning).append("; "));
                requireDecodable(name, reader.getWidth(0), reader.getHeight(0), maxPixels);
                image = reader.read(0);
                if (!warnings.isEmpty()) throw new DataException(name + ": corrupt or truncated " + reader.getFormatName() + " image: " + warnings);
            } finally {
                reader.dispose();
            }
        } catch (OutOfMemoryError e) {
            throw new DataException(name + ": out of memory while decoding (" + e.getMessage() + "); lower the pixel limit or raise -Xmx");
        } catch (IOException | RuntimeException e) {
            if (e instanceof DataException d) throw d;
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("Unsupported Image Type") || reason.contains("Unsupported color conversion")) {
                throw new DataException(name + ": unsupported colour model (CMYK or YCCK JPEG?); convert it to RGB", e);
            }
            throw new DataException(name + ": corrupt or truncated image (" + e.getClass().getSimpleName() + ": " + reason + ")", e);
        }
        if (image == null) throw new DataException(name + ": the decoder returned no image");
        return toRgb(image, name);
    }

    /** Throws unless a {@code width} x {@code height} image is within {@code maxPixels} and its floats fit the heap. */
    private static void requireDecodable(String name, int width, int height, long maxPixels) {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new DataException(String.format(Locale.ROOT, "%s: %dx%d = %,d pixels, more than the limit of %,d",
                    name, width, height, pixels, maxPixels), DataException.Remedy.RAISE_PIXEL_LIMIT);
        }
        try {
            HostLimits.arrayLength("decoding " + width + "x" + height + " pixels", RgbImage.CHANNELS * pixels, Float.BYTES);
        } catch (MemoryLimitException e) {
            throw new DataException(name + ": " + e.getMessage());
        }
    }

    /** The RGB in [0, 1] of {@code image}; {@code name} is used in messages. */
    public static RgbImage toRgb(BufferedImage image, String name) {
        int h = image.getHeight(), w = image.getWidth();
        RgbImage out = RgbImage.blank(h, w);
        float[] p = out.pixels();
        ColorModel model = image.getColorModel();
        if (model instanceof IndexColorModel palette) {
            Raster raster = image.getRaster();
            int[] entries = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, entries);
                for (int x = 0; x < w; x++) {
                    int e = entries[x];
                    p[out.index(0, y, x)] = palette.getRed(e) / 255f;
                    p[out.index(1, y, x)] = palette.getGreen(e) / 255f;
                    p[out.index(2, y, x)] = palette.getBlue(e) / 255f;
                }
            }
            return out;
        }
        int type = model.getColorSpace().getType();
        int colourBands = switch (type) {
            case ColorSpace.TYPE_GRAY -> 1;
            case ColorSpace.TYPE_RGB -> 3;
            default -> throw new DataException(name + ": unsupported colour space (type " + type + ", "
                    + model.getNumColorComponents() + " colour components; CMYK?); convert it to RGB or grayscale");
        };
        Raster raster = image.getRaster();
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int band = colourBands == 1 ? 0 : c;
            int bits = model.getComponentSize(band);
            if (bits > 16 || raster.getSampleModel().getDataType() == java.awt.image.DataBuffer.TYPE_FLOAT) {
                throw new DataException(name + ": unsupported sample format (" + bits + " bits per sample)");
            }
            float unit = 1f / ((1 << bits) - 1);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                for (int x = 0; x < w; x++) p[out.index(c, y, x)] = row[x] * unit;
            }
        }
        return out;
    }
}
