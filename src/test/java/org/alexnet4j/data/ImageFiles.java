package org.alexnet4j.data;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntBinaryOperator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Writes small test images in the formats the decoder must handle. */
final class ImageFiles {
    private ImageFiles() {}

    /** 8-bit RGB where channel c of (y, x) is value.apply(c, y * 1000 + x) (0..255). */
    static BufferedImage rgb(int h, int w, IntBinaryOperator value) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * 1000 + x;
                image.setRGB(x, y, (value.applyAsInt(0, p) << 16) | (value.applyAsInt(1, p) << 8) | value.applyAsInt(2, p));
            }
        }
        return image;
    }

    static Path write(BufferedImage image, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, format, file.toFile())) throw new IOException("no " + format + " writer for " + image);
        return file;
    }

    /** Maximum-quality baseline JPEG. */
    static Path writeJpeg(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(1f);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }

    /** A four-channel (CMYK-like) JPEG written from a raw raster. */
    static Path writeFourChannelJpeg(int h, int w, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int b = 0; b < 4; b++) raster.setSample(x, y, b, (x * 17 + y * 5 + b * 60) & 0xFF);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(raster, null, null), writer.getDefaultWriteParam());
        } finally {
            writer.dispose();
        }
        return file;
    }

    /** 16-bit RGB (three unsigned short bands, no alpha), sample(c, y, x) = value.apply(c, y * 1000 + x). */
    static BufferedImage rgb16(int h, int w, IntBinaryOperator value) {
        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) raster.setSample(x, y, c, value.applyAsInt(c, y * 1000 + x));
        return new BufferedImage(model, raster, false, null);
    }

    /** A two-colour palette image: entry 0 = (10, 20, 30), entry 1 = (200, 100, 50); pixel = (x + y) mod 2. */
    static BufferedImage palette(int h, int w) {
        IndexColorModel model = new IndexColorModel(1, 2, new byte[] {10, (byte) 200}, new byte[] {20, 100}, new byte[] {30, 50});
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY, model);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) image.getRaster().setSample(x, y, 0, (x + y) % 2);
        return image;
    }

    /** 8-bit or 16-bit gray with sample(y, x) = value.apply(0, y * 1000 + x). */
    static BufferedImage gray(int h, int w, boolean sixteenBit, IntBinaryOperator value) {
        BufferedImage image = new BufferedImage(w, h, sixteenBit ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) image.getRaster().setSample(x, y, 0, value.applyAsInt(0, y * 1000 + x));
        return image;
    }

    /** RGBA (non-premultiplied) with the given colour function and alpha (y * 1000 + x) mod 256. */
    static BufferedImage rgba(int h, int w, IntBinaryOperator value) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * 1000 + x;
                image.setRGB(x, y, ((p * 7 & 0xFF) << 24) | (value.applyAsInt(0, p) << 16) | (value.applyAsInt(1, p) << 8) | value.applyAsInt(2, p));
            }
        }
        return image;
    }

    /**
     * A black 8-bit gray PNG of {@code w} x {@code h} written chunk by chunk, without a decoder's memory: with
     * {@code rows} false the image data is left out (a header that only claims the size).
     */
    static byte[] blackPng(int w, int h, boolean rows) throws IOException {
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", header.array());
        if (rows) {
            java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
            try (java.util.zip.DeflaterOutputStream out = new java.util.zip.DeflaterOutputStream(compressed, new java.util.zip.Deflater(9))) {
                byte[] row = new byte[w + 1]; // filter byte 0, then w black samples
                for (int y = 0; y < h; y++) out.write(row);
            }
            chunk(png, "IDAT", compressed.toByteArray());
        }
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(java.io.ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(typeBytes);
        crc.update(data);
        png.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        png.write(typeBytes);
        png.write(data);
        png.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
