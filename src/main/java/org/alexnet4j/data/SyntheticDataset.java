package org.alexnet4j.data;

import java.util.List;
import org.alexnet4j.backend.CounterRng;

/**
 * A generated, file-free dataset of ten shape classes (disk, square, triangle, ...) drawn at random
 * position, size, tilt and colour on a textured noisy background. Image i is a pure function of
 * (seed, i); label(i) = i mod 10, so classes are balanced. The shape decides the class: foreground and
 * background colours come from the same distributions for every class.
 */
public final class SyntheticDataset implements Dataset {
    public static final List<String> CLASS_NAMES = List.of(
            "disk", "square", "triangle", "plus", "ring", "stripes", "x-cross", "frame", "diamond", "checker");

    /** Draws per image from the seed's stream (geometry, colours, texture). */
    private static final int DRAWS = 32;
    private static final long NOISE_STREAM = 0x6E6F697365L;
    private static final long VALIDATION_STREAM = 0x76616C6964L;
    /** Half-extent of a shape as a fraction of the image side, and the tilt range in radians. */
    private static final float MIN_RADIUS = 0.22f, MAX_RADIUS = 0.34f, MAX_TILT = 0.26f;
    private static final float NOISE_AMPLITUDE = 0.08f, TEXTURE_AMPLITUDE = 0.07f, GRADIENT_AMPLITUDE = 0.12f;

    private final long seed;
    private final int size;
    private final int imageSize;

    /** {@code size} images of {@code imageSize} x {@code imageSize} pixels from stream {@code seed}. */
    public SyntheticDataset(long seed, int size, int imageSize) {
        if (size <= 0) throw new IllegalArgumentException("synthetic dataset size must be positive, got " + size);
        if (imageSize < 8) throw new IllegalArgumentException("synthetic image size must be at least 8 pixels, got " + imageSize);
        this.seed = seed;
        this.size = size;
        this.imageSize = imageSize;
    }

    /** A disjoint set of {@code size} images (another stream) for validation. */
    public SyntheticDataset validation(int size) {
        return new SyntheticDataset(CounterRng.bits(seed, VALIDATION_STREAM), size, imageSize);
    }

    public int imageSize() { return imageSize; }

    @Override public int size() { return size; }

    @Override public int label(int index) {
        checkIndex(index);
        return index % CLASS_NAMES.size();
    }

    @Override public List<String> classNames() { return CLASS_NAMES; }

    @Override public String describe(int index) { return "synthetic image " + index + " (seed " + seed + ")"; }

    @Override public String fingerprint() { return "synthetic:" + seed + ":" + size + ":" + imageSize; }

    @Override public RgbImage image(int index) {
        int shape = label(index);
        long base = (long) index * DRAWS;
        int n = imageSize;
        // Light or dark background with the foreground on the other side of mid-grey: contrast for every colour.
        boolean darkBackground = draw(base, 0) < 0.5f;
        float[] background = new float[3], foreground = new float[3];
        for (int c = 0; c < 3; c++) {
            background[c] = (darkBackground ? 0.05f : 0.55f) + 0.4f * draw(base, 1 + c);
            foreground[c] = (darkBackground ? 0.55f : 0.05f) + 0.4f * draw(base, 4 + c);
        }
        float radius = n * (MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * draw(base, 7));
        float centreX = n * (0.3f + 0.4f * draw(base, 8)), centreY = n * (0.3f + 0.4f * draw(base, 9));
        float tilt = MAX_TILT * (2 * draw(base, 10) - 1);
        float cos = (float) Math.cos(tilt), sin = (float) Math.sin(tilt);
        float gradientAngle = (float) (2 * Math.PI * draw(base, 11));
        float gradientX = (float) Math.cos(gradientAngle) / n, gradientY = (float) Math.sin(gradientAngle) / n;
        float waveX = (2 + 6 * draw(base, 12)) * (float) (2 * Math.PI) / n, waveY = (2 + 6 * draw(base, 13)) * (float) (2 * Math.PI) / n;
        float phaseX = (float) (2 * Math.PI) * draw(base, 14), phaseY = (float) (2 * Math.PI) * draw(base, 15);
        long noiseSeed = CounterRng.bits(seed ^ NOISE_STREAM, index);

        float[] waveAlongX = new float[n], waveAlongY = new float[n];
        for (int t = 0; t < n; t++) {
            waveAlongX[t] = (float) Math.sin(waveX * t + phaseX);
            waveAlongY[t] = (float) Math.sin(waveY * t + phaseY);
        }
        RgbImage image = RgbImage.blank(n, n);
        float[] p = image.pixels();
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                float coverage = 0;
                for (int sub = 0; sub < 4; sub++) {
                    float dx = x + 0.25f + 0.5f * (sub & 1) - centreX, dy = y + 0.25f + 0.5f * (sub >> 1) - centreY;
                    float u = (cos * dx + sin * dy) / radius, v = (-sin * dx + cos * dy) / radius;
                    if (inside(shape, u, v)) coverage += 0.25f;
                }
                float shade = GRADIENT_AMPLITUDE * ((x - n / 2f) * gradientX + (y - n / 2f) * gradientY)
                        + TEXTURE_AMPLITUDE * waveAlongX[x] * waveAlongY[y];
                long noiseBits = CounterRng.bits(noiseSeed, (long) y * n + x); // 21 bits per channel
                for (int c = 0; c < 3; c++) {
                    int i = image.index(c, y, x);
                    float noise = NOISE_AMPLITUDE * (2 * ((noiseBits >>> (21 * c)) & 0x1FFFFF) * 0x1.0p-21f - 1);
                    float value = (1 - coverage) * (background[c] + shade) + coverage * foreground[c] + noise;
                    p[i] = Math.clamp(value, 0f, 1f);
                }
            }
        }
        return image;
    }

    /** Whether (u, v), in shape units (the shape spans about [-1, 1]^2, v pointing down), is inside class {@code shape}. */
    static boolean inside(int shape, float u, float v) {
        float au = Math.abs(u), av = Math.abs(v), box = Math.max(au, av), r2 = u * u + v * v;
        return switch (shape) {
            case 0 -> r2 <= 1;                                                        // disk
            case 1 -> box <= 0.85f;                                                   // square
            case 2 -> v <= 0.8f && au <= 0.95f * (v + 1) / 1.8f;                      // triangle, apex up
            case 3 -> (au <= 0.3f && av <= 1) || (av <= 0.3f && au <= 1);             // plus
            case 4 -> r2 <= 1 && r2 >= 0.3f;                                          // ring
            case 5 -> box <= 0.95f && ((int) Math.floor((v + 1) * 2.5f) & 1) == 0;    // horizontal stripes
            case 6 -> box <= 0.9f && (Math.abs(u - v) <= 0.42f || Math.abs(u + v) <= 0.42f); // x-cross
            case 7 -> box <= 0.9f && box >= 0.55f;                                    // square frame
            case 8 -> au + av <= 1.05f;                                               // diamond
            case 9 -> box <= 0.9f && (((int) Math.floor((u + 0.9f) / 0.6f) + (int) Math.floor((v + 0.9f) / 0.6f)) & 1) == 0; // checker
            default -> throw new IllegalArgumentException("synthetic shape class " + shape + " is not in 0..9");
        };
    }

    private float draw(long base, int k) { return CounterRng.uniform(seed, base + k); }

    private void checkIndex(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("synthetic image " + index + " is not in 0.." + (size - 1));
    }
}
