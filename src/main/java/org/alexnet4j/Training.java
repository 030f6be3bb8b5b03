// Builder for a training run on an image folder, from code.
package org.alexnet4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.ImageReading;
import org.alexnet4j.data.TrainingData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.run.EpochRecord;
import org.alexnet4j.run.RunDirectories;
import org.alexnet4j.run.TrainSettings;
import org.alexnet4j.run.TrainingRun;
import org.alexnet4j.train.Sgd;

/**
 * Settings of a training run, with the defaults the command line has too ({@link TrainSettings#defaults}):
 * variant paper at 227 pixels, He initialisation, batch 32, SGD with momentum 0.9 and weight decay 5e-4,
 * learning rate 0.01 divided by 10 after an epoch without a better validation error (at most 3 times),
 * mean-image normalization, random crops, mirroring and PCA lighting, 90 epochs. The run directory (a new
 * runs/&lt;date-time&gt; unless one is given) gets checkpoints after every epoch, metrics.csv, chart.png and,
 * at the end, weights.safetensors.
 */
public final class Training {
    private final Path folder;
    private AlexNet.Variant variant = AlexNet.Variant.PAPER;
    private Integer inputSize;
    private double widthMultiplier = 1.0;
    private AlexNet.WeightInit init = TrainSettings.WEIGHT_INIT;
    private int epochs = TrainSettings.EPOCHS, batchSize = TrainSettings.BATCH;
    private float learningRate = Sgd.PAPER_LEARNING_RATE;
    private long seed = TrainSettings.SEED;
    private LoadOptions placement = LoadOptions.defaults();
    private Path runDirectory;
    private Consumer<EpochRecord> onEpoch = r -> {};

    Training(Path folder) { this.folder = folder; }

    /** paper, single-tower, caffe, batchnorm or torchvision. */
    public Training variant(String id) { variant = AlexNet.Variant.parse(id); return this; }

    /** Network input side in pixels (default: the variant's, 227 or 224; at least 67). */
    public Training inputSize(int pixels) { inputSize = pixels; return this; }

    /** Scales every layer's width (1.0 = the paper); smaller trains faster on small data. */
    public Training widthMultiplier(double multiplier) { widthMultiplier = multiplier; return this; }

    /** "he" (N(0, 2/fan_in), the default) or "paper" (N(0, 0.01^2) with bias 1: slow to leave chance below width 1). */
    public Training init(String id) { init = AlexNet.WeightInit.parse(id); return this; }

    public Training epochs(int n) { epochs = n; return this; }

    public Training batchSize(int n) { batchSize = n; return this; }

    public Training learningRate(float lr) { learningRate = lr; return this; }

    /** Seeds initialisation, shuffling, augmentation and dropout. */
    public Training seed(long s) { seed = s; return this; }

    /** Where the run trains: the backend (auto by default) and its threads, device and precision, as for loading a model. */
    public Training backend(LoadOptions options) { placement = options; return this; }

    /** reference, cpu, cuda or auto (default), and host threads (0 = all processors). */
    public Training backend(String name, int hostThreads) { return backend(LoadOptions.defaults().withBackend(name).withThreads(hostThreads)); }

    /** Where checkpoints, metrics, the chart and the final weights go (default: a new directory in runs/); it must not hold another run. */
    public Training runDirectory(Path dir) { runDirectory = dir; return this; }

    /** Called after every epoch with its losses and accuracies. */
    public Training onEpoch(Consumer<EpochRecord> listener) { onEpoch = listener; return this; }

    /** The outcome: the per-epoch history and the weights file (load it with {@link AlexNet4j#load}). */
    public record Result(List<EpochRecord> history, Path weights) {}

    /** Trains to the end and returns the history and the weights file. */
    public Result run() throws IOException {
        AlexNet.Config model = TrainSettings.defaultModel(variant).withWidthMultiplier(widthMultiplier).withWeightInit(init)
                .withPositiveBias(TrainSettings.defaultPositiveBias(init));
        if (inputSize != null) model = model.withInputSize(inputSize);
        TrainSettings d = TrainSettings.defaults(new TrainSettings.DataChoice.ImageFolder(folder, TrainSettings.VALIDATION_FRACTION));
        TrainSettings settings = new TrainSettings(d.data(), TrainingData.sideFor(model.inputSize()), d.normalization(), model, epochs, batchSize,
                d.optimizer().withLearningRate(learningRate), d.schedule(), seed, d.loaderThreads());
        Path directory = runDirectory != null ? runDirectory : RunDirectories.create(Path.of("runs"));
        try (Backend b = Backends.create(placement.backend(), placement.backendOptions());
             TrainingRun run = TrainingRun.start(settings, null, b, directory, TrainingRun.Checkpointing.DEFAULT, ImageReading.DEFAULT)) {
            List<EpochRecord> history = run.run(new TrainingRun.Listener() {
                @Override public void onEpoch(EpochRecord record, int total) { onEpoch.accept(record); }
            });
            return new Result(history, run.directory().resolve(TrainingRun.WEIGHTS_FILE));
        }
    }
}
