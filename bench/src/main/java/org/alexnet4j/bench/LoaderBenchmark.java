package org.alexnet4j.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.alexnet4j.data.Augmentation;
import org.alexnet4j.data.BadImagePolicy;
import org.alexnet4j.data.BaseImages;
import org.alexnet4j.data.Batch;
import org.alexnet4j.data.DataProblems;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.data.ImageFolder;
import org.alexnet4j.data.ImagePipeline;
import org.alexnet4j.data.ImageStatistics;
import org.alexnet4j.data.Loader;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.RgbImage;
import org.alexnet4j.data.Resampler;
import org.alexnet4j.data.SyntheticDataset;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Data pipeline throughput, images per second: JPEG decode plus the paper's 256 base image (one core),
 * the training augmentation of a base image into a 227 input (one core), and the whole Loader over a
 * JPEG folder with 1 and 2 worker threads. Decode and augment are timed separately so the per-core
 * cost of each shows. Every state checks its output once before it is timed.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LoaderBenchmark {
    /** ImageNet-like photographs: 500 x 375 JPEGs of a smooth pattern plus synthetic shapes. */
    static final int WIDTH = 500, HEIGHT = 375, SIDE = 256, INPUT = 227, FILES = 64;

    @State(Scope.Benchmark)
    public static class Files64 {
        Path root;
        ImageFolder folder;
        ImageStatistics statistics;

        @Setup(Level.Trial) public void write() throws IOException {
            root = Files.createTempDirectory("alexnet4j-loader-bench");
            SyntheticDataset shapes = new SyntheticDataset(1, FILES, HEIGHT);
            for (int i = 0; i < FILES; i++) {
                RgbImage shape = shapes.image(i);
                BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < HEIGHT; y++) {
                    for (int x = 0; x < WIDTH; x++) {
                        int sx = Math.min(x, HEIGHT - 1);
                        int r = (int) (255 * shape.pixels()[shape.index(0, y, sx)]), g = (int) (255 * shape.pixels()[shape.index(1, y, sx)]);
                        int b = (int) (255 * shape.pixels()[shape.index(2, y, sx)]);
                        image.setRGB(x, y, (r << 16) | (g << 8) | ((b + x) & 0xFF));
                    }
                }
                Path file = root.resolve("class" + (i % 4)).resolve(i + ".jpg");
                Files.createDirectories(file.getParent());
                if (!ImageIO.write(image, "jpeg", file.toFile())) throw new IllegalStateException("no JPEG writer");
            }
            folder = ImageFolder.open(root, BadImagePolicy.FAIL);
            statistics = ImageStatistics.compute(new BaseImages(folder, SIDE, BadImagePolicy.FAIL, new DataProblems()), FILES, 2);
            RgbImage decoded = ImageDecoder.decode(folder.file(0));
            if (decoded.height() != HEIGHT || decoded.width() != WIDTH) throw new IllegalStateException("decoded " + decoded.height() + "x" + decoded.width());
        }

        @TearDown(Level.Trial) public void delete() throws IOException {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    /** One-core cost of JPEG decode (500 x 375) plus shorter side to 256 and the central 256 x 256 crop. */
    @State(Scope.Thread)
    public static class DecodeState {
        int next;
    }

    @Benchmark @Threads(1)
    public RgbImage decodeAndBaseImage(Files64 files, DecodeState state) {
        int i = state.next++ % FILES;
        return Resampler.shorterSideAndCentreCrop(ImageDecoder.decode(files.folder.file(i)), SIDE);
    }

    /** One-core cost of a training input from a base image: random 227 crop, mirror, PCA lighting, mean image. */
    @State(Scope.Thread)
    public static class AugmentState {
        ImagePipeline pipeline;
        RgbImage base;
        float[] input;
        int next;

        @Setup(Level.Trial) public void prepare(Files64 files) {
            pipeline = new ImagePipeline(SIDE, INPUT, ImagePipeline.Mode.TRAIN, Augmentation.PAPER, Normalization.MEAN_IMAGE, files.statistics);
            base = Resampler.shorterSideAndCentreCrop(ImageDecoder.decode(files.folder.file(0)), SIDE);
            input = new float[pipeline.inputFloats()];
            pipeline.render(base, 1, 0, 0, input, 0);
            for (float v : input) if (!Float.isFinite(v) || Math.abs(v) > 2) throw new IllegalStateException("augmented value " + v);
        }
    }

    @Benchmark @Threads(1)
    public float[] augment(AugmentState state) {
        state.pipeline.render(state.base, 1, 0, state.next++, state.input, 0);
        return state.input;
    }

    /** The whole Loader: one epoch of the 64 files, batch 16, with the given worker threads. */
    @State(Scope.Benchmark)
    public static class LoaderState {
        @Param({"1", "2"}) int threads;
        Loader loader;
        int epoch;

        @Setup(Level.Trial) public void open(Files64 files) {
            ImagePipeline pipeline = new ImagePipeline(SIDE, INPUT, ImagePipeline.Mode.TRAIN, Augmentation.PAPER, Normalization.MEAN_IMAGE, files.statistics);
            loader = new Loader(new BaseImages(files.folder, SIDE, BadImagePolicy.FAIL, new DataProblems()), pipeline, Loader.Options.training(16, threads, 1));
            int images = 0;
            for (Iterator<Batch> it = loader.epoch(0); it.hasNext(); ) images += it.next().size();
            if (images != FILES) throw new IllegalStateException("an epoch gave " + images + " images, expected " + FILES);
        }

        @TearDown(Level.Trial) public void close() { loader.close(); }
    }

    @Benchmark @OperationsPerInvocation(FILES)
    public int loaderEpoch(LoaderState state) {
        int labels = 0;
        for (Iterator<Batch> it = state.loader.epoch(state.epoch++); it.hasNext(); ) labels += it.next().labels()[0];
        return labels;
    }
}
