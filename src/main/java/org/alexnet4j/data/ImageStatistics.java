package org.alexnet4j.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.alexnet4j.backend.host.HostLimits;

/**
 * Training-set statistics of the base images (side x side, RGB in [0, 1]): the per-pixel mean image
 * (3, side, side), per-channel mean and standard deviation, and the PCA of the 3x3 RGB covariance
 * over all pixels. Saved with a model so evaluation and prediction normalize exactly as training did,
 * and cached beside the data in a small binary file keyed by the dataset's fingerprint.
 */
public record ImageStatistics(int side, long images, float[] meanImage, float[] channelMean, float[] channelStd, PcaLighting pca, String fingerprint) {
    private static final String MAGIC = "alexnet4j-image-statistics-1";
    /** Images per partial sum; partial sums are combined in index order, so results do not depend on threads. */
    private static final int CHUNK = 64;

    /** @throws IllegalArgumentException for a side out of range, arrays of the wrong size, a non-finite value, or a channel std that is not positive */
    public ImageStatistics {
        ImagePipeline.requireSide(side);
        if (meanImage.length != 3L * side * side || channelMean.length != 3 || channelStd.length != 3) {
            throw new IllegalArgumentException("statistics for side " + side + " need a (3, " + side + ", " + side + ") mean image and 3 channel values");
        }
        requireFinite("mean image", meanImage);
        requireFinite("channel mean", channelMean);
        requireFinite("channel std", channelStd);
        requireFinite("PCA eigenvalues", pca.eigenvalues());
        requireFinite("PCA eigenvectors", pca.eigenvectors());
        for (int c = 0; c < 3; c++) {
            if (!(channelStd[c] > 0)) throw new IllegalArgumentException("channel std of channel " + c + " is " + channelStd[c] + "; it must be positive");
        }
    }

    private static void requireFinite(String what, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) throw new IllegalArgumentException(what + " value " + i + " is " + values[i] + "; statistics must be finite");
        }
    }

    /**
     * Computes the statistics over {@code maxImages} images of {@code images} (all of them when it has
     * no more; otherwise evenly spaced indices), decoding with {@code threads} threads.
     */
    public static ImageStatistics compute(BaseImages images, int maxImages, int threads) {
        int[] sample = sample(images.dataset().size(), maxImages);
        int chunks = (sample.length + CHUNK - 1) / CHUNK;
        Moments total = new Moments(images.side());
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), Loader.daemonThreads("alexnet4j-statistics"))) {
            List<Future<Moments>> parts = new ArrayList<>();
            for (int k = 0; k < chunks; k++) {
                int from = k * CHUNK, to = Math.min(sample.length, from + CHUNK);
                parts.add(pool.submit(() -> {
                    Moments m = new Moments(images.side());
                    for (int i = from; i < to; i++) m.add(images.get(sample[i]).image());
                    return m;
                }));
            }
            for (Future<Moments> part : parts) total.add(Loader.await(part));
        }
        return total.statistics(images.dataset().fingerprint());
    }

    /**
     * The statistics cached in the dataset's cache folder for this (fingerprint, side, sample size), or
     * computed and written there (also when the cached file is damaged). Without a cache folder (or if it
     * is not writable) they are computed.
     */
    public static ImageStatistics loadOrCompute(BaseImages images, int maxImages, int threads) {
        Dataset dataset = images.dataset();
        int count = Math.min(maxImages, dataset.size());
        if (dataset.cacheDirectory().isEmpty()) return compute(images, maxImages, threads);
        Path file = dataset.cacheDirectory().get().resolve(".alexnet4j-statistics-" + images.side() + "-" + key(dataset.fingerprint() + "|" + images.side() + "|" + count) + ".bin");
        if (Files.isRegularFile(file)) {
            try {
                ImageStatistics cached = read(file);
                if (cached.fingerprint().equals(dataset.fingerprint()) && cached.side() == images.side() && cached.images() == count) return cached;
            } catch (DataException unreadable) {
                // A damaged cache file is recomputed and replaced below.
            }
        }
        ImageStatistics computed = compute(images, maxImages, threads);
        try {
            Path partial = Files.createTempFile(file.getParent(), ".alexnet4j-statistics", ".part");
            computed.write(partial);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            // A read-only data folder: the statistics are still returned, only not cached.
        }
        return computed;
    }

    /**
     * The statistics as named float arrays for saving with a model: "mean_image" (3, side, side),
     * "channel_mean" (3), "channel_std" (3), "pca_eigenvalues" (3), "pca_eigenvectors" (3, 3) row-major
     * with eigenvector k in column k. Side, image count and fingerprint are kept as metadata by the caller.
     */
    public Map<String, float[]> arrays() {
        Map<String, float[]> arrays = new LinkedHashMap<>();
        arrays.put("mean_image", meanImage.clone());
        arrays.put("channel_mean", channelMean.clone());
        arrays.put("channel_std", channelStd.clone());
        arrays.put("pca_eigenvalues", pca.eigenvalues());
        arrays.put("pca_eigenvectors", pca.eigenvectors());
        return arrays;
    }

    /** The inverse of {@link #arrays()}; a missing or wrongly sized array is named in the exception. */
    public static ImageStatistics fromArrays(int side, long images, String fingerprint, Map<String, float[]> arrays) {
        BiFunction<String, Integer, float[]> get = (name, length) -> {
            float[] a = arrays.get(name);
            if (a == null || a.length != length) throw new DataException("image statistics array '" + name + "' " + (a == null ? "is missing" : "has " + a.length + " values") + ", expected " + length);
            return a.clone();
        };
        return new ImageStatistics(side, images, get.apply("mean_image", 3 * side * side), get.apply("channel_mean", 3), get.apply("channel_std", 3),
                new PcaLighting(get.apply("pca_eigenvalues", 3), get.apply("pca_eigenvectors", 9)), fingerprint);
    }

    /** The (3, side, side) plane subtracted under {@code normalization}. */
    public float[] subtrahend(Normalization normalization) {
        return switch (normalization) {
            case MEAN_IMAGE -> meanImage.clone();
            case CHANNEL_MEAN, CHANNEL_MEAN_STD -> channelPlanes(side, channelMean);
            case NONE -> HostLimits.floats("a zero plane of side " + side, 3L * side * side);
        };
    }

    /** The per-channel factor applied after subtraction under {@code normalization}. */
    public float[] scale(Normalization normalization) {
        if (normalization != Normalization.CHANNEL_MEAN_STD) return new float[] {1, 1, 1};
        return new float[] {1 / channelStd[0], 1 / channelStd[1], 1 / channelStd[2]};
    }

    public void write(Path file) {
        try (OutputStream raw = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw))) {
            out.writeUTF(MAGIC);
            out.writeInt(side);
            out.writeLong(images);
            out.writeUTF(fingerprint);
            for (float[] values : List.of(channelMean, channelStd, pca.eigenvalues(), pca.eigenvectors(), meanImage)) {
                for (float v : values) out.writeFloat(v);
            }
        } catch (IOException e) {
            throw new DataException("cannot write image statistics " + file + ": " + e.getMessage(), e);
        }
    }

    public static ImageStatistics read(Path file) {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            String magic = in.readUTF();
            if (!magic.equals(MAGIC)) throw new DataException(file + ": not an image statistics file (header '" + magic + "', expected '" + MAGIC + "')");
            int side = in.readInt();
            if (side <= 0 || side > ImagePipeline.MAX_SIDE) throw new DataException(file + ": implausible image side " + side);
            long images = in.readLong();
            String fingerprint = in.readUTF();
            float[] mean = readFloats(in, 3), std = readFloats(in, 3), values = readFloats(in, 3), vectors = readFloats(in, 9);
            float[] meanImage = readFloats(in, 3 * side * side);
            if (in.read() != -1) throw new DataException(file + ": trailing bytes after the statistics of side " + side);
            return new ImageStatistics(side, images, meanImage, mean, std, new PcaLighting(values, vectors), fingerprint);
        } catch (IOException | IllegalArgumentException e) {
            throw new DataException("cannot read image statistics " + file + " (truncated, unreadable or invalid): " + e.getMessage(), e);
        }
    }

    private static float[] readFloats(DataInputStream in, int n) throws IOException {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) values[i] = in.readFloat();
        return values;
    }

    private static float[] channelPlanes(int side, float[] perChannel) {
        float[] plane = HostLimits.floats("a channel plane of side " + side, 3L * side * side);
        for (int c = 0; c < 3; c++) Arrays.fill(plane, c * side * side, (c + 1) * side * side, perChannel[c]);
        return plane;
    }

    static int[] sample(int size, int maxImages) {
        if (maxImages <= 0) throw new IllegalArgumentException("statistics need at least one image, asked for " + maxImages);
        int n = Math.min(size, maxImages);
        int[] indices = new int[n];
        for (int i = 0; i < n; i++) indices[i] = (int) ((long) i * size / n);
        return indices;
    }

    private static String key(String text) {
        return HexFormat.of().formatHex(Sha256.digest().digest(text.getBytes(StandardCharsets.UTF_8)), 0, 8);
    }

    /** Running sums in double: per-pixel sums, per-channel sums and the 3x3 sums of products. */
    static final class Moments {
        private final int side;
        private final double[] pixelSums;
        private final double[] sums = new double[3];
        private final double[][] products = new double[3][3];
        private long images, pixels;

        Moments(int side) {
            this.side = side;
            this.pixelSums = new double[HostLimits.arrayLength("the pixel sums of a mean image of side " + side, 3L * side * side, Double.BYTES)];
        }

        void add(RgbImage image) {
            if (image.height() != side || image.width() != side) throw new IllegalArgumentException("statistics of side " + side + " got a " + image.height() + "x" + image.width() + " image");
            float[] p = image.pixels();
            int plane = side * side;
            for (int i = 0; i < p.length; i++) pixelSums[i] += p[i];
            for (int i = 0; i < plane; i++) {
                double r = p[i], g = p[plane + i], b = p[2 * plane + i];
                sums[0] += r; sums[1] += g; sums[2] += b;
                products[0][0] += r * r; products[0][1] += r * g; products[0][2] += r * b;
                products[1][1] += g * g; products[1][2] += g * b; products[2][2] += b * b;
            }
            images++;
            pixels += plane;
        }

        void add(Moments other) {
            for (int i = 0; i < pixelSums.length; i++) pixelSums[i] += other.pixelSums[i];
            for (int c = 0; c < 3; c++) {
                sums[c] += other.sums[c];
                for (int d = 0; d < 3; d++) products[c][d] += other.products[c][d];
            }
            images += other.images;
            pixels += other.pixels;
        }

        /** Population covariance of RGB over all pixels seen. */
        double[][] covariance() {
            double[][] covariance = new double[3][3];
            for (int c = 0; c < 3; c++) {
                for (int d = c; d < 3; d++) {
                    covariance[c][d] = covariance[d][c] = products[c][d] / pixels - (sums[c] / pixels) * (sums[d] / pixels);
                }
            }
            return covariance;
        }

        ImageStatistics statistics(String fingerprint) {
            if (images == 0) throw new DataException("no images to compute statistics from (" + fingerprint + ")");
            float[] meanImage = new float[pixelSums.length];
            for (int i = 0; i < meanImage.length; i++) meanImage[i] = (float) (pixelSums[i] / images);
            double[][] covariance = covariance();
            float[] mean = new float[3], std = new float[3];
            for (int c = 0; c < 3; c++) {
                mean[c] = (float) (sums[c] / pixels);
                std[c] = (float) Math.sqrt(Math.max(covariance[c][c], 1e-12));
            }
            return new ImageStatistics(side, images, meanImage, mean, std, PcaLighting.fit(covariance), fingerprint);
        }
    }
}
