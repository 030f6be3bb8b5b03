// Everything that defines a training run, its defaults (the one set the command line and the facade share), and its metadata codec.
package org.alexnet4j.run;

import java.nio.file.Path;
import org.alexnet4j.data.DataSources;
import org.alexnet4j.data.DataSplit;
import org.alexnet4j.data.ImageReading;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.TrainingData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.train.InvalidSettingException;
import org.alexnet4j.train.LearningRateSchedule;
import org.alexnet4j.train.Sgd;

/**
 * The data, the model, and the optimisation of a run. {@code model.classes()} is taken from the data when
 * the run starts (see {@link TrainingRun}). One {@code seed} drives initialisation, shuffling, augmentation
 * and dropout; each of those draws is a pure function of (seed, epoch, index or step), which is what makes
 * a resumed run repeat an uninterrupted one exactly. Stored in checkpoints as metadata train.*.
 *
 * <p>{@link #defaults} is the one set of defaults: the paper's SGD (learning rate 0.01, momentum 0.9, weight
 * decay 5e-4) and schedule (divide by 10 when the validation error stalls, at most 3 times), mean-image
 * normalization, 90 epochs of batch {@value #BATCH}, and He initialisation (the paper's N(0, 0.01^2) leaves
 * narrow networks at chance for many epochs; {@code --init paper} / {@code init("paper")} chooses it).
 */
public record TrainSettings(DataChoice data, int side, Normalization normalization, AlexNet.Config model, int epochs,
                            int batchSize, Sgd optimizer, ScheduleChoice schedule, long seed, int loaderThreads) {
    /** Defaults (the constants a command line shows in its help). */
    public static final int EPOCHS = 90, BATCH = 32, LOADER_THREADS = 2;
    public static final long SEED = 1;
    public static final double VALIDATION_FRACTION = 0.1;
    public static final AlexNet.WeightInit WEIGHT_INIT = AlexNet.WeightInit.HE;
    public static final Normalization NORMALIZATION = Normalization.MEAN_IMAGE;

    public TrainSettings {
        if (epochs < 1) throw new InvalidSettingException("epochs", "must be >= 1, got " + epochs);
        if (batchSize < 1) throw new InvalidSettingException("batch size", "must be >= 1, got " + batchSize);
        if (side < model.inputSize()) {
            throw new InvalidSettingException("base image side", "must be at least the network input " + model.inputSize() + ", got " + side);
        }
        if (loaderThreads < 1) throw new InvalidSettingException("loader threads", "must be >= 1, got " + loaderThreads);
    }

    /** The defaults for {@code data}: the paper variant at 227 ({@link #defaultModel}), base side 256. */
    public static TrainSettings defaults(DataChoice data) {
        AlexNet.Config model = defaultModel(AlexNet.Variant.PAPER);
        return new TrainSettings(data, TrainingData.sideFor(model.inputSize()), NORMALIZATION, model, EPOCHS, BATCH, Sgd.paper(),
                ScheduleChoice.PAPER, SEED, LOADER_THREADS);
    }

    /** {@code variant} at its own input size with the default initialisation ({@link #WEIGHT_INIT}, positive bias 0). */
    public static AlexNet.Config defaultModel(AlexNet.Variant variant) {
        return AlexNet.Config.of(variant).withWeightInit(WEIGHT_INIT).withPositiveBias(defaultPositiveBias(WEIGHT_INIT));
    }

    /** The paper's bias 1 on conv2, conv4, conv5, fc6, fc7 with its own initialisation; 0 with He's. */
    public static float defaultPositiveBias(AlexNet.WeightInit init) { return init == AlexNet.WeightInit.PAPER ? 1 : 0; }

    /** Where the images come from. */
    public sealed interface DataChoice {
        /** The split for {@code seed}; image files are read as {@code reading} says. */
        DataSplit open(long seed, ImageReading reading);

        /** The same data at another folder (resuming where the data moved); {@code source} names the checkpoint in messages. */
        default DataChoice movedTo(Path directory, String source) {
            return switch (this) {
                case ImageFolder f -> new ImageFolder(directory, f.validationFraction());
                case Cifar10 c -> new Cifar10(directory);
                case Synthetic s -> throw new IllegalArgumentException(source + " was trained on synthetic data; it has no data folder to move");
            };
        }

        /** The folder the data is read from, or null for generated data. */
        default Path location() {
            return switch (this) {
                case ImageFolder f -> f.directory();
                case Cifar10 c -> c.directory();
                case Synthetic s -> null;
            };
        }

        /** The generated shapes of {@link org.alexnet4j.data.SyntheticDataset}, always from {@link #DATA_SEED}, at {@code side}. */
        record Synthetic(int trainingImages, int validationImages, int side) implements DataChoice {
            /** The synthetic set is the same for every seed, so runs with different seeds compare. */
            public static final long DATA_SEED = 2012;

            @Override public DataSplit open(long seed, ImageReading reading) { return DataSources.synthetic(DATA_SEED, trainingImages, validationImages, side); }
        }

        /** An image folder (dir/train + dir/val, or one folder split per class). */
        record ImageFolder(Path directory, double validationFraction) implements DataChoice {
            @Override public DataSplit open(long seed, ImageReading reading) {
                return DataSources.imageFolder(directory, validationFraction, seed, reading);
            }
        }

        /** The CIFAR-10 binary version. */
        record Cifar10(Path directory) implements DataChoice {
            @Override public DataSplit open(long seed, ImageReading reading) { return DataSources.cifar10(directory); }
        }
    }

    /** constant; step (divide by gamma every {@code every} epochs); plateau (divide by 10 after {@code patience} epochs without improvement). */
    public record ScheduleChoice(String kind, float gamma, int every, int patience, float minimum, int maxReductions) {
        /** The defaults, the paper's: plateau with patience 1, at most 3 reductions, never below 1e-5 (gamma 10 every 30 epochs for step). */
        public static final String KIND = "plateau";
        public static final float GAMMA = 10, MINIMUM = 1e-5f;
        public static final int EVERY = 30, PATIENCE = 1, MAX_REDUCTIONS = 3;
        public static final ScheduleChoice PAPER = new ScheduleChoice(KIND, GAMMA, EVERY, PATIENCE, MINIMUM, MAX_REDUCTIONS);

        public ScheduleChoice {
            if (!kind.equals("constant") && !kind.equals("step") && !kind.equals("plateau")) {
                throw new InvalidSettingException("learning-rate schedule", "'" + kind + "' is unknown; known: constant, step, plateau");
            }
        }

        public LearningRateSchedule create(float learningRate) {
            return switch (kind) {
                case "constant" -> LearningRateSchedule.constant(learningRate);
                case "step" -> LearningRateSchedule.step(learningRate, gamma, every);
                default -> LearningRateSchedule.plateau(learningRate, patience, minimum, maxReductions);
            };
        }
    }

    public TrainSettings withData(DataChoice newData) {
        return new TrainSettings(newData, side, normalization, model, epochs, batchSize, optimizer, schedule, seed, loaderThreads);
    }

    /** Another model; a new input size brings its base side (input x 256/227). */
    public TrainSettings withModel(AlexNet.Config newModel) {
        int newSide = newModel.inputSize() == model.inputSize() ? side : TrainingData.sideFor(newModel.inputSize());
        return new TrainSettings(data, newSide, normalization, newModel, epochs, batchSize, optimizer, schedule, seed, loaderThreads);
    }

    public TrainSettings withEpochs(int newEpochs) {
        return new TrainSettings(data, side, normalization, model, newEpochs, batchSize, optimizer, schedule, seed, loaderThreads);
    }

    // ---- metadata ------------------------------------------------------------------------------

    private static final Metadata.Key<String> DATA = Metadata.text("train.data");
    private static final Metadata.Key<Integer> SYNTHETIC_TRAINING = Metadata.integer("train.synthetic_training_images", 1);
    private static final Metadata.Key<Integer> SYNTHETIC_VALIDATION = Metadata.integer("train.synthetic_validation_images", 1);
    private static final Metadata.Key<Integer> SYNTHETIC_SIDE = Metadata.integer("train.synthetic_side", 1);
    private static final Metadata.Key<String> DATA_PATH = Metadata.text("train.data_path");
    private static final Metadata.Key<Double> VALIDATION_SHARE = Metadata.decimal("train.validation_fraction");
    private static final Metadata.Key<Integer> SIDE = Metadata.integer("train.side", 1);
    private static final Metadata.Key<Normalization> NORMALIZATION_KEY = Metadata.choice("train.normalization", Normalization.class);
    private static final Metadata.Key<Integer> EPOCH_COUNT = Metadata.integer("train.epochs", 1);
    private static final Metadata.Key<Integer> BATCH_SIZE = Metadata.integer("train.batch", 1);
    private static final Metadata.Key<Float> LEARNING_RATE = Metadata.single("train.lr");
    private static final Metadata.Key<Float> MOMENTUM = Metadata.single("train.momentum");
    private static final Metadata.Key<Float> WEIGHT_DECAY = Metadata.single("train.weight_decay");
    private static final Metadata.Key<String> SCHEDULE = Metadata.text("train.lr_schedule");
    private static final Metadata.Key<Float> GAMMA = Metadata.single("train.lr_gamma");
    private static final Metadata.Key<Integer> EVERY = Metadata.integer("train.lr_every", 0);
    private static final Metadata.Key<Integer> PATIENCE = Metadata.integer("train.lr_patience", 0);
    private static final Metadata.Key<Float> MINIMUM = Metadata.single("train.lr_minimum");
    private static final Metadata.Key<Integer> MAX_REDUCTIONS = Metadata.integer("train.lr_max_reductions", 0);
    private static final Metadata.Key<Long> SEED_KEY = Metadata.longInteger("train.seed", Long.MIN_VALUE);
    private static final Metadata.Key<Integer> THREADS = Metadata.integer("train.loader_threads", 1);

    /** train.* metadata (the model itself is described by {@link ModelFiles#metadata}). */
    Metadata metadata() {
        Metadata m = new Metadata();
        switch (data) {
            case DataChoice.Synthetic s -> m.put(DATA, "synthetic").put(SYNTHETIC_TRAINING, s.trainingImages())
                    .put(SYNTHETIC_VALIDATION, s.validationImages()).put(SYNTHETIC_SIDE, s.side());
            case DataChoice.ImageFolder f -> m.put(DATA, "folder").put(DATA_PATH, f.directory().toString()).put(VALIDATION_SHARE, f.validationFraction());
            case DataChoice.Cifar10 c -> m.put(DATA, "cifar10").put(DATA_PATH, c.directory().toString());
        }
        return m.put(SIDE, side).put(NORMALIZATION_KEY, normalization).put(EPOCH_COUNT, epochs).put(BATCH_SIZE, batchSize)
                .put(LEARNING_RATE, optimizer.learningRate()).put(MOMENTUM, optimizer.momentum()).put(WEIGHT_DECAY, optimizer.weightDecay())
                .put(SCHEDULE, schedule.kind()).put(GAMMA, schedule.gamma()).put(EVERY, schedule.every()).put(PATIENCE, schedule.patience())
                .put(MINIMUM, schedule.minimum()).put(MAX_REDUCTIONS, schedule.maxReductions()).put(SEED_KEY, seed).put(THREADS, loaderThreads);
    }

    /** The settings stored in a checkpoint's metadata; {@code model} comes from {@link ModelFiles#model}. */
    static TrainSettings fromMetadata(Metadata m, AlexNet.Config model) {
        DataChoice data = switch (m.get(DATA)) {
            case "synthetic" -> new DataChoice.Synthetic(m.get(SYNTHETIC_TRAINING), m.get(SYNTHETIC_VALIDATION), m.get(SYNTHETIC_SIDE));
            case "folder" -> new DataChoice.ImageFolder(Path.of(m.get(DATA_PATH)), m.get(VALIDATION_SHARE));
            case "cifar10" -> new DataChoice.Cifar10(Path.of(m.get(DATA_PATH)));
            default -> throw m.invalid(DATA, "is not synthetic, folder or cifar10");
        };
        try {
            return new TrainSettings(data, m.get(SIDE), m.get(NORMALIZATION_KEY), model, m.get(EPOCH_COUNT), m.get(BATCH_SIZE),
                    new Sgd(m.get(LEARNING_RATE), m.get(MOMENTUM), m.get(WEIGHT_DECAY)),
                    new ScheduleChoice(m.get(SCHEDULE), m.get(GAMMA), m.get(EVERY), m.get(PATIENCE), m.get(MINIMUM), m.get(MAX_REDUCTIONS)),
                    m.get(SEED_KEY), m.get(THREADS));
        } catch (InvalidSettingException e) {
            throw new IllegalArgumentException(m.file() + ": the stored " + e.getMessage(), e);
        }
    }
}
