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
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEG, PNG, BMP and GIF images (files, streams or bytes) with ImageIO into RGB in [0, 1] from the raw samples: gray is
 * copied to all three channels, alpha is dropped, 8- and 16-bit samples are divided by 255 and 65535,
 * palette images go through their palette. Decoder warnings (a truncated JPEG decodes partly, with a
 * warning) are errors. Anything else (CMYK, unknown formats) fails with a message naming the image.
 */
public final class ImageDecoder {
    private ImageDecoder() {}

    public static RgbImage decode(Path file) {
        if (!Files.isRegularFile(file)) throw new DataException(file + ": no such image file");
        return decode(() -> ImageIO.createImageInputStream(file.toFile()), file.toString());
    }

    /** Decodes an encoded image read from {@code stream} (which stays open); {@code name} is used in messages. */
    public static RgbImage decode(InputStream stream, String name) {
        return decode(() -> ImageIO.createImageInputStream(stream), name);
    }

    /** Decodes an encoded image held in {@code bytes}; {@code name} is used in messages. */
    public static RgbImage decode(byte[] bytes, String name) { return decode(new ByteArrayInputStream(bytes), name); }

    private interface Source { ImageInputStream open() throws IOException; }

    private static RgbImage decode(Source source, String name) {
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
                image = reader.read(0);
                if (!warnings.isEmpty()) throw new DataException(name + ": corrupt or truncated " + reader.getFormatName() + " image: " + warnings);
            } finally {
                reader.dispose();
            }
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
        int[] samples = new int[w * h];
        for (int c = 0; c < 3; c++) {
            int band = colourBands == 1 ? 0 : c;
            int bits = model.getComponentSize(band);
            if (bits > 16 || raster.getSampleModel().getDataType() == java.awt.image.DataBuffer.TYPE_FLOAT) {
                throw new DataException(name + ": unsupported sample format (" + bits + " bits per sample)");
            }
            float unit = 1f / ((1 << bits) - 1);
            raster.getSamples(0, 0, w, h, band, samples);
            int planeStart = c * h * w;
            for (int i = 0; i < w * h; i++) p[planeStart + i] = samples[i] * unit;
        }
        return out;
    }
}
