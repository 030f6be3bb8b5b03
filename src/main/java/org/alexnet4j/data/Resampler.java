package org.alexnet4j.data;

/**
 * Separable image resizing on float planes: area averaging (exact box coverage) along an axis that
 * shrinks, Keys bicubic (a = -0.5, pixel centres at i + 0.5, edges clamped) along an axis that grows,
 * a copy along an axis that keeps its size. Pure Java float arithmetic, so results are deterministic.
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
}
