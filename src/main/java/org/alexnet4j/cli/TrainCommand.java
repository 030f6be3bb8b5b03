// `alexnet4j train`: trains AlexNet on synthetic shapes (the default demo), an image folder or CIFAR-10.
package org.alexnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.run.CheckpointDirectory;
import org.alexnet4j.run.EpochRecord;
import org.alexnet4j.run.TrainSettings;
import org.alexnet4j.run.TrainingRun;
import org.alexnet4j.train.TrainingListener;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Trains AlexNet with SGD (the paper's form), writing checkpoints, metrics.csv, chart.png and weights.safetensors to the run directory.",
                "Without a data option it trains on generated shapes: a demo of about two minutes on two cores.",
                "Examples: alexnet4j train",
                "          alexnet4j train --data photos --width 0.5 --input 163 --epochs 30",
                "          alexnet4j train --resume runs/latest"})
final class TrainCommand implements Callable<Integer> {
    /** Defaults of the synthetic demo, chosen so the bare command finishes in minutes on two cores. */
    static final int DEMO_TRAINING_IMAGES = 4000, DEMO_INPUT = 67, DEMO_EPOCHS = 15;
    static final double DEMO_WIDTH = 0.25;
    static final Path RUNS = Path.of("runs");
    static final String LATEST = "latest";

    @Spec CommandSpec spec;

    static final class DataOptions {
        @Option(names = "--data", paramLabel = "DIR", description = "An image folder: DIR/train + DIR/val, or DIR/<class>/* split by --val-fraction.")
        Path folder;

        @Option(names = "--cifar10", paramLabel = "DIR", description = "The CIFAR-10 binary version (data_batch_1.bin ... test_batch.bin).")
        Path cifar10;

        @Option(names = "--synthetic", description = "Generated shapes of 10 classes (the default).")
        boolean synthetic;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1") DataOptions dataOptions;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1", description = "Share of each class held out for validation when --data has no train/val split. Default: ${DEFAULT-VALUE}.")
    double validationFraction;

    @Option(names = "--synthetic-images", paramLabel = "N", defaultValue = "" + DEMO_TRAINING_IMAGES, description = "Training images of --synthetic (validation: a quarter). Default: ${DEFAULT-VALUE}.")
    int syntheticImages;

    @Mixin ModelOptions modelOptions;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0.5", description = "Dropout probability of fc6 and fc7. Default: ${DEFAULT-VALUE}.")
    float dropout;

    @Option(names = "--bias-init", paramLabel = "B", description = "Initial bias of conv2, conv4, conv5, fc6, fc7 (the paper's 1; Caffe used 0.1). Default: 1 with --init paper, 0 with he.")
    Float positiveBias;

    @Option(names = "--init", paramLabel = "I", description = "Weight initialisation: paper (N(0, 0.01^2)) or he (N(0, 2/fan_in), learns fast at small widths). "
            + "Default: he for the synthetic demo, paper otherwise.")
    String init;

    @Option(names = "--side", paramLabel = "S", description = "Base image side: shorter side resized to it, central square kept (default: input x 256/227).")
    Integer side;

    @Option(names = "--normalization", paramLabel = "N", defaultValue = "mean_image", description = "mean_image (the paper), channel_mean, channel_mean_std or none. Default: ${DEFAULT-VALUE}.")
    String normalization;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: " + DEMO_EPOCHS + " for the synthetic demo, 90 otherwise; with --resume: the checkpoint's).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per SGD step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", description = "Initial learning rate. Default: 0.01 (the paper's).")
    Float learningRate;

    @Option(names = "--lr-schedule", paramLabel = "S", defaultValue = "plateau", description = "constant, step or plateau (the paper: divide by 10 when validation error stalls). Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--lr-gamma", paramLabel = "G", defaultValue = "10", description = "step: divide the rate by G ... Default: ${DEFAULT-VALUE}.")
    float gamma;

    @Option(names = "--lr-step", paramLabel = "E", defaultValue = "30", description = "step: ... every E epochs. Default: ${DEFAULT-VALUE}.")
    int stepEpochs;

    @Option(names = "--lr-patience", paramLabel = "E", defaultValue = "1", description = "plateau: epochs without improvement before dividing by 10. Default: ${DEFAULT-VALUE}.")
    int patience;

    @Option(names = "--lr-min", paramLabel = "LR", defaultValue = "1e-5", description = "plateau: never below this rate. Default: ${DEFAULT-VALUE}.")
    float minimumRate;

    @Option(names = "--lr-max-reductions", paramLabel = "N", defaultValue = "3", description = "plateau: at most N reductions (the paper made 3). Default: ${DEFAULT-VALUE}.")
    int maxReductions;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    float momentum;

    @Option(names = "--weight-decay", paramLabel = "D", defaultValue = "5e-4", description = "Weight decay. Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seeds initialisation, shuffling, augmentation and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin BackendChoice backendChoice;

    @Option(names = "--loader-threads", paramLabel = "N", defaultValue = "2", description = "Threads that decode and augment images. Default: ${DEFAULT-VALUE}.")
    int loaderThreads;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Run directory for checkpoints, metrics and weights (default: runs/<date-time>, linked as runs/latest; with --resume: the checkpoint's).")
    Path checkpointDirectory;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0", description = "Also save a checkpoint every N steps (0: only after each epoch). Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;

    @Option(names = "--keep", paramLabel = "K", defaultValue = "3", description = "Checkpoints kept (the newest). Default: ${DEFAULT-VALUE}.")
    int keep;

    @Option(names = "--resume", paramLabel = "DIR|FILE", arity = "0..1", fallbackValue = "",
            description = "Continue a run exactly: a checkpoint file, a run directory (its newest checkpoint), or nothing (the newest run in runs/). "
                    + "Only --epochs, --backend, --threads, --checkpoint-every, --keep and a moved --data/--cifar10 folder may be given with it.")
    String resume;

    /** Options whose value a checkpoint fixes; giving them with --resume is an error rather than silently ignored. */
    private static final List<String> FIXED_BY_CHECKPOINT = List.of("--variant", "--classes", "--input", "--width", "--dropout", "--bias-init", "--init",
            "--side", "--normalization", "--batch", "--lr", "--lr-schedule", "--lr-gamma", "--lr-step", "--lr-patience", "--lr-min",
            "--lr-max-reductions", "--momentum", "--weight-decay", "--seed", "--synthetic-images", "--val-fraction", "--checkpoint-dir",
            "--loader-threads", "--synthetic");

    @Override public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (keep < 1) throw Usage.error(spec, "--keep must be >= 1, got " + keep);
        if (checkpointEvery < 0) throw Usage.error(spec, "--checkpoint-every must be >= 0, got " + checkpointEvery);
        try (Backend backend = backendChoice.create(); TrainingRun run = open(backend, out)) {
            Progress progress = new Progress(ProgressBar.forConsole(out), out);
            List<EpochRecord> history = run.run(progress);
            Path dir = run.directory();
            out.println("weights: " + dir.resolve(TrainingRun.WEIGHTS_FILE) + "  metrics: " + dir.resolve(TrainingRun.METRICS_FILE)
                    + "  chart: " + dir.resolve(TrainingRun.CHART_FILE));
            if (!history.isEmpty()) {
                EpochRecord last = history.getLast();
                out.printf(Locale.ROOT, "final validation top-1 %.2f%%, top-5 %.2f%% (chance: %.2f%%)%n", 100 * last.top1(), 100 * last.top5(),
                        100.0 / run.model().config().classes());
            }
        }
        out.flush();
        return 0;
    }

    private TrainingRun open(Backend backend, PrintWriter out) throws IOException {
        if (resume != null) {
            List<String> fixed = new ArrayList<>();
            ParseResult parsed = spec.commandLine().getParseResult();
            for (String name : FIXED_BY_CHECKPOINT) if (parsed.hasMatchedOption(name)) fixed.add(name);
            if (!fixed.isEmpty()) {
                throw new IllegalArgumentException("--resume continues with the checkpoint's settings; leave out " + String.join(", ", fixed));
            }
            Path checkpoint = resolveResume(resume);
            out.println("resuming from " + checkpoint + " on " + backend.description());
            Path dataLocation = dataOptions == null ? null : dataOptions.folder != null ? dataOptions.folder : dataOptions.cifar10;
            TrainingRun run = TrainingRun.resume(checkpoint, epochs, dataLocation, backend, keep, checkpointEvery);
            describe(run, out);
            return run;
        }
        boolean synthetic = dataOptions == null || dataOptions.synthetic;
        TrainSettings settings = Usage.check(spec, () -> settings(synthetic));
        Path dir = checkpointDirectory != null ? checkpointDirectory
                : RUNS.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        TrainingRun run = TrainingRun.start(settings, modelOptions.classes, backend, dir, keep, checkpointEvery);
        if (checkpointDirectory == null) linkLatest(dir);
        out.println("run directory " + dir + "; backend " + backend.description());
        describe(run, out);
        return run;
    }

    /** The settings the options describe (values only: nothing is read). */
    private TrainSettings settings(boolean synthetic) {
        AlexNet.WeightInit weightInit = init != null ? AlexNet.WeightInit.parse(init) : synthetic ? AlexNet.WeightInit.HE : AlexNet.WeightInit.PAPER;
        float bias = positiveBias != null ? positiveBias : weightInit == AlexNet.WeightInit.HE ? 0 : 1;
        AlexNet.Config defaults = AlexNet.Config.of(AlexNet.Variant.PAPER).withDropout(dropout).withPositiveBias(bias).withWeightInit(weightInit);
        if (synthetic) defaults = defaults.withWidthMultiplier(DEMO_WIDTH);
        AlexNet.Config config = modelOptions.config(defaults, synthetic ? DEMO_INPUT : null);
        int baseSide = side != null ? side : org.alexnet4j.data.TrainingData.sideFor(config.inputSize());
        float rate = learningRate != null ? learningRate : 0.01f;
        return new TrainSettings(dataChoice(baseSide), baseSide, Normalization.parse(normalization), config, epochs != null ? epochs : synthetic ? DEMO_EPOCHS : 90,
                batch, new TrainSettings.Optimizer(rate, momentum, weightDecay),
                new TrainSettings.ScheduleChoice(schedule, gamma, stepEpochs, patience, minimumRate, maxReductions), seed, loaderThreads);
    }

    private TrainSettings.DataChoice dataChoice(int baseSide) {
        if (dataOptions != null && dataOptions.folder != null) return new TrainSettings.DataChoice.ImageFolder(dataOptions.folder, validationFraction);
        if (dataOptions != null && dataOptions.cifar10 != null) return new TrainSettings.DataChoice.Cifar10(dataOptions.cifar10);
        return new TrainSettings.DataChoice.Synthetic(syntheticImages, Math.max(1, syntheticImages / 4), baseSide);
    }

    private static void describe(TrainingRun run, PrintWriter out) {
        AlexNet.Config c = run.model().config();
        TrainSettings s = run.settings();
        long parameters = run.network().architecture().parameters().parameterCount();
        out.printf(Locale.ROOT, "model %s: %d classes, input %d, width x%s, %,d parameters, %s init; %d epochs of batch %d, lr %s (%s), momentum %s, weight decay %s, seed %d%n",
                c.variant().id(), c.classes(), c.inputSize(), c.widthMultiplier(), parameters, c.weightInit().id(), s.epochs(), s.batchSize(),
                plain(s.optimizer().learningRate()), s.schedule().kind(), plain(s.optimizer().momentum()), plain(s.optimizer().weightDecay()), s.seed());
        out.flush();
    }

    /** A float in plain decimal notation (0.0005, not 5.0E-4). */
    private static String plain(float value) { return new java.math.BigDecimal(Float.toString(value)).toPlainString(); }

    /** The checkpoint --resume names: a file, a run directory's newest, or the newest run's newest. */
    static Path resolveResume(String value) throws IOException {
        Path target = value.isEmpty() ? newestRun() : Path.of(value);
        if (Files.isRegularFile(target)) return target;
        if (!Files.isDirectory(target)) throw new IllegalArgumentException("--resume " + target + ": no such checkpoint file or run directory");
        return new CheckpointDirectory(target, 1).latest()
                .orElseThrow(() -> new IllegalArgumentException("--resume " + target + ": no checkpoint-s*.safetensors in that directory"));
    }

    /** Points runs/latest at the new run directory; where links are not supported the timestamped name still works. */
    private static void linkLatest(Path dir) {
        Path link = RUNS.resolve(LATEST);
        try {
            Files.createDirectories(dir);
            if (Files.isSymbolicLink(link)) Files.delete(link);
            if (!Files.exists(link)) Files.createSymbolicLink(link, dir.getFileName());
        } catch (IOException | UnsupportedOperationException e) {
            // no runs/latest on this file system
        }
    }

    private static Path newestRun() throws IOException {
        if (!Files.isDirectory(RUNS)) throw new IllegalArgumentException("--resume without a value needs a run in " + RUNS.toAbsolutePath());
        try (Stream<Path> runs = Files.list(RUNS)) {
            return runs.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).max(java.util.Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new IllegalArgumentException("--resume without a value: no run directory in " + RUNS.toAbsolutePath()));
        }
    }

    /** Draws the progress bar and prints the per-epoch line. */
    private record Progress(ProgressBar bar, PrintWriter out) implements TrainingRun.Listener {
        @Override public void onProgress(TrainingListener.Progress p) {
            if (!bar.label().equals(label(p.epoch(), p.epochs()))) {
                bar.start(label(p.epoch(), p.epochs()), p.imagesTotal());
            }
            bar.update(p.imagesDone(), p.loss());
        }

        @Override public void onEpoch(EpochRecord r, int epochs) {
            bar.finish(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f  val loss %.4f  top-1 %.2f%%  top-5 %.2f%%  lr %.3g  %.1f s",
                    r.epoch(), epochs, r.trainLoss(), r.validationLoss(), 100 * r.top1(), 100 * r.top5(), r.learningRate(), r.seconds()));
        }

        private static String label(int epoch, int epochs) { return "epoch " + (epoch + 1) + "/" + epochs; }
    }
}
