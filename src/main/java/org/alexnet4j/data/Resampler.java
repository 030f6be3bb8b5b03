package org.alexnet4j.data;

/**
 * Separable image resizing. {@link #resize}: on float planes, area averaging (exact box coverage) along an
 * axis that shrinks, Keys bicubic (a = -0.5, pixel centres at i + 0.5, edges clamped) along an axis that
 * grows, a copy along an axis that keeps its size: alexnet4j's own preprocessing. {@link #pillowBilinear}:
 * Pillow's bilinear resize of 8-bit images, bit for bit, which torchvision's ImageNet weights were trained
 * and are evaluated with. Pure Java arithmetic, so results are deterministic.
 */
public final class Resampler {
    private Resampler() {}

    /** {@code image} resized to {@code height} x {@code width}. */
    public static RgbImage resize(RgbImage image, int height, int width) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("resize target " + height + "x" + width + " must be positive");
        if (height == image.height() && width == image.width()) return image;
        AxisWeights across = AxisWeights.of(image.width(), width), down = AxisWeights.of(image.height(), height);
        int inH = image.height(), inW = image.width();
        float[] rows = new float[RgbImage.CHANNELS * inH * width];
        float[] src = image.pixels();
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            for (int y = 0; y < inH; y++) across.apply(src, (c * inH + y) * inW, 1, rows, (c * inH + y) * width, 1);
        }
        RgbImage out = RgbImage.blank(height, width);
        float[] dst = out.pixels();
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            for (int x = 0; x < width; x++) down.apply(rows, c * inH * width + x, width, dst, c * height * width + x, width);
        }
        return out;
    }

    /**
     * The shorter side scaled to {@code side} (the longer side in proportion, rounded), then the central
     * side x side square: the paper's 256 x 256 preprocessing for side = 256.
     */
    public static RgbImage shorterSideAndCentreCrop(RgbImage image, int side) {
        int h = image.height(), w = image.width();
        int height = h <= w ? side : Math.max(side, (int) Math.round((double) h * side / w));
        int width = w <= h ? side : Math.max(side, (int) Math.round((double) w * side / h));
        RgbImage resized = resize(image, height, width);
        return crop(resized, (height - side) / 2, (width - side) / 2, side, side);
    }

    /** The {@code height} x {@code width} window of {@code image} whose top-left pixel is (top, left). */
    public static RgbImage crop(RgbImage image, int top, int left, int height, int width) {
        if (top == 0 && left == 0 && height == image.height() && width == image.width()) return image;
        if (top < 0 || left < 0 || top + height > image.height() || left + width > image.width()) {
            throw new IllegalArgumentException("crop " + height + "x" + width + " at (" + top + ", " + left + ") exceeds image " + image.height() + "x" + image.width());
        }
        RgbImage out = RgbImage.blank(height, width);
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(image.pixels(), image.index(c, top + y, left), out.pixels(), out.index(c, y, 0), width);
            }
        }
        return out;
    }

    /** Output sample o = sum over t of weights[o][t] * input[first[o] + t]; each row of weights sums to 1. */
    record AxisWeights(int[] first, float[][] weights) {
        static AxisWeights of(int in, int out) {
            return out < in ? area(in, out) : out > in ? bicubic(in, out) : identity(in);
        }

        void apply(float[] src, int srcStart, int srcStride, float[] dst, int dstStart, int dstStride) {
            for (int o = 0; o < first.length; o++) {
                float[] w = weights[o];
                int s = srcStart + first[o] * srcStride;
                float sum = 0;
                for (int t = 0; t < w.length; t++) sum += w[t] * src[s + t * srcStride];
                dst[dstStart + o * dstStride] = sum;
            }
        }

        private static AxisWeights identity(int n) {
            int[] first = new int[n];
            float[][] weights = new float[n][];
            for (int o = 0; o < n; o++) { first[o] = o; weights[o] = new float[] {1}; }
            return new AxisWeights(first, weights);
        }

        /** Output o covers input interval [o * scale, (o + 1) * scale); weight = overlap / scale. */
        private static AxisWeights area(int in, int out) {
            double scale = (double) in / out;
            int[] first = new int[out];
            float[][] weights = new float[out][];
            for (int o = 0; o < out; o++) {
                double start = o * scale, end = (o + 1) * scale;
                int lo = (int) Math.floor(start), hi = Math.min(in, (int) Math.ceil(end));
                first[o] = lo;
                weights[o] = new float[hi - lo];
                for (int i = lo; i < hi; i++) weights[o][i - lo] = (float) ((Math.min(end, i + 1) - Math.max(start, i)) / scale);
            }
            return new AxisWeights(first, weights);
        }

        /** Output o samples the input at (o + 0.5) * in / out - 0.5; taps past an edge repeat the edge pixel. */
        private static AxisWeights bicubic(int in, int out) {
            int[] first = new int[out];
            float[][] weights = new float[out][];
            for (int o = 0; o < out; o++) {
                double centre = (o + 0.5) * in / out - 0.5;
                int base = (int) Math.floor(centre);
                int lo = Math.max(0, base - 1), hi = Math.min(in - 1, base + 2);
                first[o] = lo;
                double[] w = new double[hi - lo + 1];
                for (int tap = base - 1; tap <= base + 2; tap++) w[Math.clamp(tap, lo, hi) - lo] += keys(centre - tap);
                weights[o] = new float[w.length];
                for (int t = 0; t < w.length; t++) weights[o][t] = (float) w[t];
            }
            return new AxisWeights(first, weights);
        }

        /** Keys' cubic convolution kernel with a = -0.5 (Catmull-Rom); its taps sum to 1. */
        private static double keys(double distance) {
            double d = Math.abs(distance);
            if (d < 1) return (1.5 * d - 2.5) * d * d + 1;
            if (d < 2) return ((-0.5 * d + 2.5) * d - 4) * d + 2;
            return 0;
        }
    }

    /** Pillow's fixed-point precision: filter taps are integers in units of 2^-22 (Resample.c's PRECISION_BITS). */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    /**
     * {@code image} resized to {@code height} x {@code width} exactly as Pillow's {@code Image.resize(size,
     * BILINEAR)} does it (Pillow 9, Resample.c): samples quantized to 8 bits, a triangle filter widened by
     * the scale factor when shrinking (antialiasing), taps normalized per output pixel and rounded to
     * 22-bit fixed point, a horizontal pass then a vertical one, each rounding to 8 bits. An axis that keeps
     * its size is not resampled; an image of the target size comes back unchanged (quantized).
     */
    public static RgbImage pillowBilinear(RgbImage image, int height, int width) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("resize target " + height + "x" + width + " must be positive");
        int inH = image.height(), inW = image.width();
        int[] samples = new int[image.pixels().length];
        for (int i = 0; i < samples.length; i++) samples[i] = Math.clamp(Math.round(image.pixels()[i] * 255f), 0, 255);
        if (width != inW) {
            samples = PillowTaps.of(inW, width).apply(samples, RgbImage.CHANNELS * inH, inW, 1); // rows
        }
        if (height != inH) {
            int[] columns = new int[RgbImage.CHANNELS * height * width];
            PillowTaps down = PillowTaps.of(inH, height);
            for (int c = 0; c < RgbImage.CHANNELS; c++) {
                int[] plane = java.util.Arrays.copyOfRange(samples, c * inH * width, (c + 1) * inH * width);
                int[] out = down.apply(plane, width, 1, width); // columns
                System.arraycopy(transpose(out, width, height), 0, columns, c * height * width, height * width);
            }
            samples = columns;
        }
        RgbImage out = RgbImage.blank(height, width);
        for (int i = 0; i < samples.length; i++) out.pixels()[i] = samples[i] / 255f;
        return out;
    }

    /** in (rows x columns) row-major, transposed. */
    private static int[] transpose(int[] in, int rows, int columns) {
        int[] out = new int[in.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < columns; c++) out[c * rows + r] = in[r * columns + c];
        return out;
    }

    /** Pillow's per-output-pixel taps along one axis: first input index and fixed-point weights (precompute_coeffs). */
    record PillowTaps(int[] first, int[][] weights) {
        static PillowTaps of(int in, int out) {
            double scale = (double) in / out, filterScale = Math.max(scale, 1.0), support = filterScale; // bilinear support 1
            double inverseScale = 1.0 / filterScale;
            int[] first = new int[out];
            int[][] weights = new int[out][];
            for (int o = 0; o < out; o++) {
                double centre = (o + 0.5) * scale;
                int min = Math.max(0, (int) (centre - support + 0.5)), max = Math.min(in, (int) (centre + support + 0.5)) - min;
                double[] w = new double[max];
                double sum = 0;
                for (int x = 0; x < max; x++) {
                    w[x] = triangle((x + min - centre + 0.5) * inverseScale);
                    sum += w[x];
                }
                weights[o] = new int[max];
                for (int x = 0; x < max; x++) weights[o][x] = (int) (0.5 + (sum != 0 ? w[x] / sum : w[x]) * (1 << PRECISION_BITS));
                first[o] = min;
            }
            return new PillowTaps(first, weights);
        }

        private static double triangle(double x) {
            double d = Math.abs(x);
            return d < 1 ? 1 - d : 0;
        }

        /**
         * Resamples {@code lines} lines of {@code src} along this axis, each line's samples {@code stride} apart
         * and lines {@code lineStride} apart; returns (lines x out) row-major, rounded and clipped to 8 bits.
         */
        int[] apply(int[] src, int lines, int lineStride, int stride) {
            int out = first.length;
            int[] dst = new int[lines * out];
            for (int line = 0; line < lines; line++) {
                for (int o = 0; o < out; o++) {
                    int[] w = weights[o];
                    int s = line * lineStride + first[o] * stride;
                    int sum = 1 << (PRECISION_BITS - 1);
                    for (int t = 0; t < w.length; t++) sum += src[s + t * stride] * w[t];
                    dst[line * out + o] = Math.clamp(sum >> PRECISION_BITS, 0, 255);
                }
            }
            return dst;
        }
    }
}
