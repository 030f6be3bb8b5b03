// Builder for a training run on an image folder, from code.
package org.alexnet4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.TrainingData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.run.EpochRecord;
import org.alexnet4j.run.TrainSettings;
import org.alexnet4j.run.TrainingRun;

/**
 * Settings of a training run, with the paper's defaults: variant paper at 227 pixels, batch 128, SGD with
 * momentum 0.9 and weight decay 5e-4, learning rate 0.01 divided by 10 after an epoch without a better validation error (at most 3 times),
 * mean-image normalization, random crops, mirroring and PCA lighting, 90 epochs. The run directory gets
 * checkpoints after every epoch, metrics.csv, chart.png and, at the end, weights.safetensors.
 */
public final class Training {
    private final Path folder;
    private AlexNet.Variant variant = AlexNet.Variant.PAPER;
    private Integer inputSize;
    private double widthMultiplier = 1.0;
    private int epochs = 90, batchSize = 128, threads;
    private float learningRate = 0.01f;
    private long seed = 1;
    private String backend = Backends.AUTO;
    private Path runDirectory = Path.of("runs", "alexnet4j");
    private Consumer<EpochRecord> onEpoch = r -> {};
    private AlexNet.WeightInit init = AlexNet.WeightInit.PAPER;

    Training(Path folder) { this.folder = folder; }

    /** paper, single-tower, caffe, batchnorm or torchvision. */
    public Training variant(String id) { variant = AlexNet.Variant.parse(id); return this; }

    /** Network input side in pixels (default: the variant's, 227 or 224; at least 67). */
    public Training inputSize(int pixels) { inputSize = pixels; return this; }

    /** Scales every layer's width (1.0 = the paper); smaller trains faster on small data. */
    public Training widthMultiplier(double multiplier) { widthMultiplier = multiplier; return this; }

    /** "paper" (N(0, 0.01^2), the default) or "he" (N(0, 2/fan_in): learns much sooner at width multipliers below 1). */
    public Training init(String id) { init = AlexNet.WeightInit.parse(id); return this; }

    public Training epochs(int n) { epochs = n; return this; }

    public Training batchSize(int n) { batchSize = n; return this; }

    public Training learningRate(float lr) { learningRate = lr; return this; }

    /** Seeds initialisation, shuffling, augmentation and dropout. */
    public Training seed(long s) { seed = s; return this; }

    /** reference, cpu, cuda or auto (default), and host threads (0 = all processors). */
    public Training backend(String name, int hostThreads) { backend = name; threads = hostThreads; return this; }

    /** Where checkpoints, metrics, the chart and the final weights go (default runs/alexnet4j). */
    public Training runDirectory(Path dir) { runDirectory = dir; return this; }

    /** Called after every epoch with its losses and accuracies. */
    public Training onEpoch(Consumer<EpochRecord> listener) { onEpoch = listener; return this; }

    /** The outcome: the per-epoch history and the weights file (load it with {@link AlexNet4j#load}). */
    public record Result(List<EpochRecord> history, Path weights) {}

    /** Trains to the end and returns the history and the weights file. */
    public Result run() throws IOException {
        AlexNet.Config model = AlexNet.Config.of(variant).withWidthMultiplier(widthMultiplier).withWeightInit(init);
        if (inputSize != null) model = model.withInputSize(inputSize);
        int side = TrainingData.sideFor(model.inputSize());
        TrainSettings settings = new TrainSettings(new TrainSettings.DataChoice.ImageFolder(folder, 0.1), side, Normalization.MEAN_IMAGE,
                model, epochs, batchSize, new TrainSettings.Optimizer(learningRate, 0.9f, 5e-4f),
                new TrainSettings.ScheduleChoice("plateau", 10, 30, 1, 1e-5f, 3), seed, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        try (Backend b = Backends.create(backend, BackendOptions.defaults().withThreads(threads));
             TrainingRun run = TrainingRun.start(settings, null, b, runDirectory, 3, 0)) {
            List<EpochRecord> history = run.run(new TrainingRun.Listener() {
                @Override public void onEpoch(EpochRecord record, int total) { onEpoch.accept(record); }
            });
            return new Result(history, run.directory().resolve(TrainingRun.WEIGHTS_FILE));
        }
    }
}
