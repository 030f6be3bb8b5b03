package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;

class CropTest {
    /** Pixel (c, y, x) of a side x side test image holds c * 10000 + y * 100 + x. */
    private static RgbImage coded(int side) {
        RgbImage image = RgbImage.blank(side, side);
        for (int c = 0; c < 3; c++) for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) image.pixels()[image.index(c, y, x)] = c * 10000 + y * 100 + x;
        return image;
    }

    @Test void tenCropGeometryIsCornersCentreThenMirrors() {
        List<Crop> crops = Crop.tenCrops(11, 7, Crop.centre(11, 7));
        assertEquals(List.of(
                new Crop(0, 0, false), new Crop(0, 4, false), new Crop(4, 0, false), new Crop(4, 4, false), new Crop(2, 2, false),
                new Crop(0, 0, true), new Crop(0, 4, true), new Crop(4, 0, true), new Crop(4, 4, true), new Crop(2, 2, true)), crops);
        assertEquals(new Crop(1, 1, false), Crop.centre(8, 5), "odd margin: offset rounded down");
        assertEquals(new Crop(16, 16, false), Crop.centre(256, 224));
        assertThrows(IllegalArgumentException.class, () -> Crop.centre(6, 7));
    }

    @Test void cropAndMirrorArePixelExact() {
        RgbImage image = coded(9);
        float[] zero = new float[3 * 81], unit = {1, 1, 1};
        float[] plain = new float[3 * 16], mirrored = new float[3 * 16];
        new Crop(2, 5, false).extract(image, 4, new float[3], zero, unit, plain, 0);
        new Crop(2, 5, true).extract(image, 4, new float[3], zero, unit, mirrored, 0);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(c * 10000 + (2 + y) * 100 + (5 + x), plain[(c * 4 + y) * 4 + x], "plain (" + c + "," + y + "," + x + ")");
                    assertEquals(c * 10000 + (2 + y) * 100 + (5 + 3 - x), mirrored[(c * 4 + y) * 4 + x], "mirrored (" + c + "," + y + "," + x + ")");
                }
            }
        }
    }

    /** (pixel + shift[c] - mean[c, source y, source x]) * scale[c], the mean taken at the source pixel even when mirrored. */
    @Test void normalizationUsesTheSourcePixelOfTheMean() {
        RgbImage image = coded(6);
        float[] mean = new float[3 * 36];
        for (int i = 0; i < mean.length; i++) mean[i] = i * 0.5f;
        float[] shift = {0.25f, -1, 2}, scale = {2, 3, 0.5f};
        float[] out = new float[3 * 9];
        new Crop(1, 2, true).extract(image, 3, shift, mean, scale, out, 0);
        float[] expected = new float[3 * 9];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 3; x++) {
                    int source = image.index(c, 1 + y, 2 + 2 - x);
                    expected[(c * 3 + y) * 3 + x] = (image.pixels()[source] + shift[c] - mean[source]) * scale[c];
                }
            }
        }
        Approx.assertClose("normalized mirrored crop", expected, out, 0, 0);
    }

    /** TEN_CROP writes the ten crops of Crop.tenCrops in order, each equal to that crop extracted alone. */
    @Test void tenCropPipelineWritesTheTenCropsInOrder() {
        RgbImage image = coded(7);
        ImagePipeline pipeline = new ImagePipeline(7, 5, ImagePipeline.Mode.TEN_CROP, Augmentation.NONE, Normalization.NONE, null);
        assertEquals(10, pipeline.cropsPerImage());
        float[] all = new float[10 * 75];
        pipeline.render(image, 1, 2, 3, all, 0);
        List<Crop> crops = Crop.tenCrops(7, 5, Crop.centre(7, 5));
        for (int k = 0; k < 10; k++) {
            float[] one = new float[75];
            crops.get(k).extract(image, 5, new float[3], new float[3 * 49], new float[] {1, 1, 1}, one, 0);
            Approx.assertClose("crop " + k, one, java.util.Arrays.copyOfRange(all, k * 75, (k + 1) * 75), 0, 0);
        }
        assertEquals(image.pixels()[image.index(0, 0, 4)], all[5 * 75], "crop 5 (top-left mirrored) starts with source row 0, column 4");
    }
}
