package org.alexnet4j.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** The datasets the command line offers, each as a training/validation {@link DataSplit}. */
public final class DataSources {
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
    public static DataSplit imageFolder(Path dir, double validationFraction, long seed, BadImagePolicy policy) {
        Path train = dir.resolve("train"), val = dir.resolve("val");
        if (Files.isDirectory(train) && Files.isDirectory(val)) {
            return new DataSplit(ImageFolder.open(train, policy), ImageFolder.open(val, policy));
        }
        return DataSplit.stratified(ImageFolder.open(dir, policy), validationFraction, seed);
    }

    /** CIFAR-10 binary version: data_batch_1..5 for training, test_batch for validation. */
    public static DataSplit cifar10(Path dir) {
        return new DataSplit(Cifar10.training(dir), Cifar10.test(dir));
    }
}
