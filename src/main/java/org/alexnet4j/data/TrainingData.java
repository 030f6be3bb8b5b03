package org.alexnet4j.data;

import java.util.List;

/**
 * Everything a training run reads: the augmented training loader, the centre-crop validation loader and
 * the training-set statistics they normalize with (save them with the model). Build it from a
 * {@link DataSplit} (see {@link DataSources}) and {@link Settings}; close it to stop the loader threads.
 * {@code problems} gathers files skipped while scanning and images skipped or upscaled while loading.
 */
public record TrainingData(Loader training, Loader validation, ImageStatistics statistics, DataProblems problems) implements AutoCloseable {
    /**
     * @param inputSize        network input side (227 for AlexNet)
     * @param side             base image side: shorter side resized to it, central square kept (256 in the paper)
     * @param batchSize        images per batch
     * @param threads          loader threads per loader
     * @param seed             seeds shuffling and augmentation
     * @param augmentation     training augmentation
     * @param normalization    what is subtracted (and divided)
     * @param policy           what to do with unusable images
     * @param statisticsImages at most this many training images (evenly spaced) feed the statistics
     */
    public record Settings(int inputSize, int side, int batchSize, int threads, long seed, Augmentation augmentation,
                           Normalization normalization, BadImagePolicy policy, int statisticsImages) {
        public Settings {
            if (inputSize <= 0 || side < inputSize) throw new IllegalArgumentException("base side " + side + " must be >= network input " + inputSize + " > 0");
        }

        /** The paper's choices for a network input of {@code inputSize}: side = round(inputSize * 256 / 227). */
        public static Settings paper(int inputSize, int batchSize, int threads, long seed) {
            return new Settings(inputSize, sideFor(inputSize), batchSize, threads, seed, Augmentation.PAPER, Normalization.MEAN_IMAGE, BadImagePolicy.FAIL, Integer.MAX_VALUE);
        }

        public Settings withSide(int newSide) { return new Settings(inputSize, newSide, batchSize, threads, seed, augmentation, normalization, policy, statisticsImages); }

        public Settings withPolicy(BadImagePolicy p) { return new Settings(inputSize, side, batchSize, threads, seed, augmentation, normalization, p, statisticsImages); }
    }

    /** The paper's ratio 256 : 227 (base side : network input), rounded. */
    public static int sideFor(int inputSize) { return (int) Math.round(inputSize * 256.0 / 227.0); }

    /** Computes (or loads the cached) training statistics and opens both loaders. */
    public static TrainingData open(DataSplit split, Settings settings) {
        DataProblems problems = new DataProblems();
        problems.include(split.training().problems());
        if (split.validation().problems() != split.training().problems()) problems.include(split.validation().problems());
        BaseImages trainingImages = new BaseImages(split.training(), settings.side(), settings.policy(), problems);
        BaseImages validationImages = new BaseImages(split.validation(), settings.side(), settings.policy(), problems);
        ImageStatistics statistics = ImageStatistics.loadOrCompute(trainingImages, settings.statisticsImages(), settings.threads());
        ImagePipeline trainingPipeline = new ImagePipeline(settings.side(), settings.inputSize(), ImagePipeline.Mode.TRAIN, settings.augmentation(), settings.normalization(), statistics);
        ImagePipeline validationPipeline = new ImagePipeline(settings.side(), settings.inputSize(), ImagePipeline.Mode.CENTRE, Augmentation.NONE, settings.normalization(), statistics);
        Loader training = new Loader(trainingImages, trainingPipeline, Loader.Options.training(settings.batchSize(), settings.threads(), settings.seed()));
        Loader validation = new Loader(validationImages, validationPipeline, Loader.Options.evaluation(settings.batchSize(), settings.threads()));
        return new TrainingData(training, validation, statistics, problems);
    }

    public List<String> classNames() { return training.classNames(); }

    @Override public void close() {
        training.close();
        validation.close();
    }
}
