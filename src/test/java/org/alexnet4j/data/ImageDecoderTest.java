package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
    @TempDir Path dir;

    /** Channel c of pixel p = y * 1000 + x: a pattern with different values per channel and position. */
    private static final IntBinaryOperator PATTERN = (c, p) -> ((p / 1000) * 23 + (p % 1000) * 11 + c * 80) & 0xFF;

    private static void assertDecodes(RgbImage image, int h, int w, IntBinaryOperator expected, float unit) {
        assertEquals(h, image.height());
        assertEquals(w, image.width());
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    assertEquals(expected.applyAsInt(c, y * 1000 + x) * unit, image.pixels()[image.index(c, y, x)], 1e-7f, "channel " + c + " at (" + y + ", " + x + ")");
                }
            }
        }
    }

    @Test void rgbPngDecodesExactlyAsPlanarRgb() throws IOException {
        Path file = ImageFiles.write(ImageFiles.rgb(5, 7, PATTERN), "png", dir.resolve("a.png"));
        assertDecodes(ImageDecoder.decode(file), 5, 7, PATTERN, 1 / 255f);
    }

    @Test void grayIsCopiedToThreeChannelsAndAlphaIsDropped() throws IOException {
        assertDecodes(ImageDecoder.decode(ImageFiles.write(ImageFiles.gray(4, 6, false, PATTERN), "png", dir.resolve("g.png"))), 4, 6, (c, p) -> PATTERN.applyAsInt(0, p), 1 / 255f);
        assertDecodes(ImageDecoder.decode(ImageFiles.write(ImageFiles.rgba(4, 6, PATTERN), "png", dir.resolve("rgba.png"))), 4, 6, PATTERN, 1 / 255f);
        assertDecodes(ImageDecoder.decode(ImageFiles.write(ImageFiles.palette(3, 5), "png", dir.resolve("p.png"))), 3, 5,
                (c, p) -> ((p / 1000 + p % 1000) % 2 == 0 ? new int[] {10, 20, 30} : new int[] {200, 100, 50})[c], 1 / 255f);
    }

    @Test void sixteenBitSamplesAreScaledBy65535() throws IOException {
        IntBinaryOperator wide = (c, p) -> (PATTERN.applyAsInt(c, p) * 257 + c * 3 + p % 7) & 0xFFFF;
        assertDecodes(ImageDecoder.decode(ImageFiles.write(ImageFiles.rgb16(3, 4, wide), "png", dir.resolve("rgb16.png"))), 3, 4, wide, 1 / 65535f);
        assertDecodes(ImageDecoder.decode(ImageFiles.write(ImageFiles.gray(3, 4, true, wide), "png", dir.resolve("g16.png"))), 3, 4, (c, p) -> wide.applyAsInt(0, p), 1 / 65535f);
    }

    /** A maximum-quality JPEG of a flat colour decodes to that colour within JPEG rounding (2/255). */
    @Test void jpegDecodesToItsColours() throws IOException {
        RgbImage image = ImageDecoder.decode(ImageFiles.writeJpeg(ImageFiles.rgb(16, 16, (c, p) -> new int[] {200, 60, 120}[c]), dir.resolve("flat.jpg")));
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 256; i++) assertEquals(new int[] {200, 60, 120}[c] / 255f, image.pixels()[c * 256 + i], 2 / 255f, "channel " + c);
        }
    }

    private static void assertFailsNaming(Path file, String reason) {
        DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(file));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(reason), "says '" + reason + "': " + e.getMessage());
    }

    @Test void badFilesFailWithTheirNameAndReason() throws IOException {
        Path garbage = Files.write(dir.resolve("garbage.png"), "this is not a picture".getBytes());
        assertFailsNaming(garbage, "not an image");

        byte[] png = Files.readAllBytes(ImageFiles.write(ImageFiles.rgb(40, 40, PATTERN), "png", dir.resolve("full.png")));
        Path truncatedPng = Files.write(dir.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        assertFailsNaming(truncatedPng, "corrupt or truncated");

        byte[] jpeg = Files.readAllBytes(ImageFiles.writeJpeg(ImageFiles.rgb(64, 64, PATTERN), dir.resolve("full.jpg")));
        Path truncatedJpeg = Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        assertFailsNaming(truncatedJpeg, "corrupt or truncated");

        assertFailsNaming(ImageFiles.writeFourChannelJpeg(8, 8, dir.resolve("cmyk.jpg")), "CMYK");
        assertFailsNaming(dir.resolve("missing.png"), "no such image file");
        assertFailsNaming(dir, "a directory, not an image file");
    }

    /** Bytes the current thread allocates while {@code action} runs. */
    private static long allocatedBy(Runnable action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /** A 20000 x 20000 header in a few bytes, and a real 12000 x 12000 PNG of 150 KB: both refused from the header, in little memory. */
    @Test void anImageOverThePixelLimitIsRefusedFromItsHeaderBeforeDecoding() throws IOException {
        Path claim = Files.write(dir.resolve("claim.png"), ImageFiles.blackPng(20_000, 20_000, false));
        Path real = Files.write(dir.resolve("real.png"), ImageFiles.blackPng(12_000, 12_000, true));
        long[] used = new long[2];
        DataException e = assertThrows(DataException.class, () -> used[0] = allocatedBy(() -> ImageDecoder.decode(claim)));
        assertEquals(claim + ": 20000x20000 = 400,000,000 pixels, more than the limit of 100,000,000; raise the limit (ImageReading maxPixels)", e.getMessage());
        e = assertThrows(DataException.class, () -> ImageDecoder.decode(real));
        assertTrue(e.getMessage().startsWith(real + ": 12000x12000 = 144,000,000 pixels"), e.getMessage());
        used[0] = allocatedBy(() -> assertThrows(DataException.class, () -> ImageDecoder.decode(claim)));
        used[1] = allocatedBy(() -> assertThrows(DataException.class, () -> ImageDecoder.decode(real)));
        assertTrue(used[0] < 8 << 20 && used[1] < 8 << 20, "bytes allocated while refusing: " + Arrays.toString(used));
    }

    @Test void theLimitIsAParameter() throws IOException {
        Path file = ImageFiles.write(ImageFiles.rgb(50, 40, PATTERN), "png", dir.resolve("small.png"));
        assertEquals(50, ImageDecoder.decode(file, 2000).height());
        DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(file, 1999));
        assertEquals(file + ": 40x50 = 2,000 pixels, more than the limit of 1,999; raise the limit (ImageReading maxPixels)", e.getMessage());
    }
}
