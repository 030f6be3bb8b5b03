// Everything that defines a training run, and its round trip through checkpoint metadata.
package org.alexnet4j.run;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.alexnet4j.data.DataSources;
import org.alexnet4j.data.DataSplit;
import org.alexnet4j.data.BadImagePolicy;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.train.LearningRateSchedule;

/**
 * The data, the model, and the optimisation of a run. {@code model.classes()} is taken from the data when
 * the run starts (see {@link TrainingRun}). One {@code seed} drives initialisation, shuffling, augmentation
 * and dropout; each of those draws is a pure function of (seed, epoch, index or step), which is what makes
 * a resumed run repeat an uninterrupted one exactly. Stored in checkpoints as metadata train.*.
 */
public record TrainSettings(DataChoice data, int side, Normalization normalization, AlexNet.Config model, int epochs,
                            int batchSize, Optimizer optimizer, ScheduleChoice schedule, long seed, int loaderThreads) {
    public TrainSettings {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batchSize);
        if (side < model.inputSize()) {
            throw new IllegalArgumentException("base image side " + side + " is smaller than the network input " + model.inputSize());
        }
        if (loaderThreads < 1) throw new IllegalArgumentException("loader threads must be >= 1, got " + loaderThreads);
    }

    /** Where the images come from. */
    public sealed interface DataChoice {
        DataSplit open(long seed);

        /** The same data at another folder (resuming where the data moved); {@code source} names the checkpoint in messages. */
        default DataChoice movedTo(Path directory, String source) {
            return switch (this) {
                case ImageFolder f -> new ImageFolder(directory, f.validationFraction());
                case Cifar10 c -> new Cifar10(directory);
                case Synthetic s -> throw new IllegalArgumentException(source + " was trained on synthetic data; it has no data folder to move");
            };
        }

        /** The generated shapes of {@link org.alexnet4j.data.SyntheticDataset}, always from {@link #DATA_SEED}, at {@code side}. */
        record Synthetic(int trainingImages, int validationImages, int side) implements DataChoice {
            /** The synthetic set is the same for every --seed, so runs with different seeds compare. */
            public static final long DATA_SEED = 2012;

            @Override public DataSplit open(long seed) { return DataSources.synthetic(DATA_SEED, trainingImages, validationImages, side); }
        }

        /** An image folder (dir/train + dir/val, or one folder split per class). */
        record ImageFolder(Path directory, double validationFraction) implements DataChoice {
            @Override public DataSplit open(long seed) {
                return DataSources.imageFolder(directory, validationFraction, seed, BadImagePolicy.FAIL);
            }
        }

        /** The CIFAR-10 binary version. */
        record Cifar10(Path directory) implements DataChoice {
            @Override public DataSplit open(long seed) { return DataSources.cifar10(directory); }
        }
    }

    /** SGD in the paper's form: learning rate (the schedule's start), momentum, weight decay. */
    public record Optimizer(float learningRate, float momentum, float weightDecay) {}

    /** constant; step (divide by gamma every {@code every} epochs); plateau (divide by 10 after {@code patience} epochs without improvement). */
    public record ScheduleChoice(String kind, float gamma, int every, int patience, float minimum, int maxReductions) {
        public ScheduleChoice {
            if (!kind.equals("constant") && !kind.equals("step") && !kind.equals("plateau")) {
                throw new IllegalArgumentException("unknown --lr-schedule '" + kind + "'; known: constant, step, plateau");
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

    public TrainSettings withEpochs(int newEpochs) {
        return new TrainSettings(data, side, normalization, model, newEpochs, batchSize, optimizer, schedule, seed, loaderThreads);
    }

    public TrainSettings withModel(AlexNet.Config newModel) {
        return new TrainSettings(data, side, normalization, newModel, epochs, batchSize, optimizer, schedule, seed, loaderThreads);
    }

    public TrainSettings withData(DataChoice newData) {
        return new TrainSettings(newData, side, normalization, model, epochs, batchSize, optimizer, schedule, seed, loaderThreads);
    }

    // ---- metadata ------------------------------------------------------------------------------

    /** train.* metadata (the model itself is described by {@link ModelFiles#metadata}). */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        switch (data) {
            case DataChoice.Synthetic s -> {
                m.put("train.data", "synthetic");
                m.put("train.synthetic_training_images", Integer.toString(s.trainingImages()));
                m.put("train.synthetic_validation_images", Integer.toString(s.validationImages()));
                m.put("train.synthetic_side", Integer.toString(s.side()));
            }
            case DataChoice.ImageFolder f -> {
                m.put("train.data", "folder");
                m.put("train.data_path", f.directory().toString());
                m.put("train.validation_fraction", Double.toString(f.validationFraction()));
            }
            case DataChoice.Cifar10 c -> {
                m.put("train.data", "cifar10");
                m.put("train.data_path", c.directory().toString());
            }
        }
        m.put("train.side", Integer.toString(side));
        m.put("train.normalization", normalization.name().toLowerCase(Locale.ROOT));
        m.put("train.epochs", Integer.toString(epochs));
        m.put("train.batch", Integer.toString(batchSize));
        m.put("train.lr", Float.toString(optimizer.learningRate()));
        m.put("train.momentum", Float.toString(optimizer.momentum()));
        m.put("train.weight_decay", Float.toString(optimizer.weightDecay()));
        m.put("train.lr_schedule", schedule.kind());
        m.put("train.lr_gamma", Float.toString(schedule.gamma()));
        m.put("train.lr_every", Integer.toString(schedule.every()));
        m.put("train.lr_patience", Integer.toString(schedule.patience()));
        m.put("train.lr_minimum", Float.toString(schedule.minimum()));
        m.put("train.lr_max_reductions", Integer.toString(schedule.maxReductions()));
        m.put("train.seed", Long.toString(seed));
        m.put("train.loader_threads", Integer.toString(loaderThreads));
        return m;
    }

    /** The settings stored in a checkpoint's metadata; {@code model} comes from {@link ModelFiles#model}. */
    public static TrainSettings fromMetadata(Map<String, String> m, AlexNet.Config model, String file) {
        Metadata f = new Metadata(m, file);
        DataChoice data = switch (f.get("train.data")) {
            case "synthetic" -> new DataChoice.Synthetic(f.integer("train.synthetic_training_images"),
                    f.integer("train.synthetic_validation_images"), f.integer("train.synthetic_side"));
            case "folder" -> new DataChoice.ImageFolder(Path.of(f.get("train.data_path")), f.decimal("train.validation_fraction"));
            case "cifar10" -> new DataChoice.Cifar10(Path.of(f.get("train.data_path")));
            default -> throw f.invalid("train.data", "is not synthetic, folder or cifar10");
        };
        return new TrainSettings(data, f.integer("train.side"),
                Normalization.valueOf(f.get("train.normalization").toUpperCase(Locale.ROOT)), model, f.integer("train.epochs"),
                f.integer("train.batch"),
                new Optimizer((float) f.decimal("train.lr"), (float) f.decimal("train.momentum"), (float) f.decimal("train.weight_decay")),
                new ScheduleChoice(f.get("train.lr_schedule"), (float) f.decimal("train.lr_gamma"), f.integer("train.lr_every"),
                        f.integer("train.lr_patience"), (float) f.decimal("train.lr_minimum"), f.integer("train.lr_max_reductions")),
                f.longInteger("train.seed"), f.integer("train.loader_threads"));
    }
}
