package org.alexnet4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/** The datasets the command line offers, each as a training/validation {@link DataSplit}. */
public final class DataSources {
    /** The sub-folders of an image folder split the ImageNet way. */
    public static final String TRAIN = "train", VALIDATION = "val";

    private DataSources() {}

    /** Generated shapes: {@code training} + {@code validation} images of side {@code side}, from {@code seed}. */
    public static DataSplit synthetic(long seed, int training, int validation, int side) {
        SyntheticDataset train = new SyntheticDataset(seed, training, side);
        return new DataSplit(train, train.validation(validation));
    }

    /**
     * An image folder: {@code dir/train} and {@code dir/val} when both exist (the ImageNet layout), else
     * {@code dir} itself split per class with {@code validationFraction} held out (seeded).
     */
    public static DataSplit imageFolder(Path dir, double validationFraction, long seed, ImageReading reading) {
        if (validationFolder(dir).isPresent()) {
            return new DataSplit(ImageFolder.open(dir.resolve(TRAIN), reading), ImageFolder.open(dir.resolve(VALIDATION), reading));
        }
        return DataSplit.stratified(ImageFolder.open(dir, reading), validationFraction, seed);
    }

    /** {@code dir/val} when {@code dir} holds both {@code train} and {@code val} folders (the ImageNet layout); else empty. */
    public static Optional<Path> validationFolder(Path dir) {
        return Files.isDirectory(dir.resolve(TRAIN)) && Files.isDirectory(dir.resolve(VALIDATION)) ? Optional.of(dir.resolve(VALIDATION)) : Optional.empty();
    }

    /**
     * The images of {@code dataset} that decode, found by decoding each with {@code threads} threads; every
     * other one is counted in {@code problems} with its reason. For evaluation, where an unreadable image
     * must be left out rather than replaced by another. Throws when none decodes.
     */
    public static Dataset readableImages(Dataset dataset, int threads, DataProblems problems) {
        boolean[] readable = new boolean[dataset.size()];
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), Loader.daemonThreads("alexnet4j-check"))) {
            List<Future<?>> checks = new ArrayList<>();
            for (int i = 0; i < readable.length; i++) {
                int index = i;
                checks.add(pool.submit(() -> {
                    try {
                        dataset.image(index);
                        readable[index] = true;
                    } catch (DataException e) {
                        problems.skipped(e.getMessage());
                    }
                }));
            }
            for (Future<?> check : checks) Loader.await(check);
        }
        int[] kept = IntStream.range(0, readable.length).filter(i -> readable[i]).toArray();
        if (kept.length == 0) throw new DataException("none of the " + readable.length + " images decodes; first problems: " + String.join("; ", problems.messages()));
        return kept.length == readable.length ? dataset : new Subset(dataset, kept, "readable");
    }

    /** CIFAR-10 binary version: data_batch_1..5 for training, test_batch for validation. */
    public static DataSplit cifar10(Path dir) {
        return new DataSplit(Cifar10.training(dir), Cifar10.test(dir));
    }
}
