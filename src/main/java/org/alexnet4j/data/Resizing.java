package org.alexnet4j.data;

/**
 * How an image of any size becomes a base image (side x side, what crops are taken from) and where the centre
 * crop sits in it. A model must be fed the way it was trained: alexnet4j's training uses PAPER; torchvision's
 * ImageNet weights were trained and are evaluated with TORCHVISION.
 */
public enum Resizing {
    /**
     * The shorter side scaled to side with {@link Resampler#resize} (area averaging when shrinking, bicubic when
     * growing), the longer side in proportion, rounded; the central square (offset rounded down); the centre
     * crop at offset floor((side - size) / 2).
     */
    PAPER {
        @Override public RgbImage base(RgbImage image, int side, int inputSize) { return Resampler.shorterSideAndCentreCrop(image, side); }

        @Override public Crop centre(int side, int inputSize) { return Crop.centre(side, inputSize); }
    },
    /**
     * torchvision's Resize(side) and CenterCrop(size) on a PIL image: Pillow's bilinear filter with antialiasing
     * ({@link Resampler#pillowBilinear}), the longer side in proportion, truncated; the crop centred in the
     * resized image with offsets round((length - size) / 2) rounded half to even, as Python rounds. The base
     * square is placed so that its centre crop is exactly that crop (ten crops take its corners).
     */
    TORCHVISION {
        @Override public RgbImage base(RgbImage image, int side, int inputSize) {
            int h = image.height(), w = image.width(), shorter = Math.min(h, w), longer = Math.max(h, w);
            int scaled = (int) ((double) ((long) side * longer) / shorter);
            int height = h <= w ? side : scaled, width = h <= w ? scaled : side;
            RgbImage resized = Resampler.pillowBilinear(image, height, width);
            int inSquare = centreOffset(side, inputSize);
            return Resampler.crop(resized, centreOffset(height, inputSize) - inSquare, centreOffset(width, inputSize) - inSquare, side, side);
        }

        @Override public Crop centre(int side, int inputSize) {
            int offset = centreOffset(side, inputSize);
            return new Crop(offset, offset, false);
        }

        /** round((length - size) / 2), halves to even. */
        private static int centreOffset(int length, int size) {
            if (size > length) throw new IllegalArgumentException("crop size " + size + " does not fit an image of side " + length);
            return (int) Math.rint((length - size) / 2.0);
        }
    };

    /** The base image of {@code image}: side x side, from which crops of {@code inputSize} are taken. */
    public abstract RgbImage base(RgbImage image, int side, int inputSize);

    /** The centre crop of inputSize in a base image of {@code side}. */
    public abstract Crop centre(int side, int inputSize);
}
