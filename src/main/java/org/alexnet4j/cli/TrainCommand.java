// `alexnet4j train`: trains AlexNet on synthetic shapes (the default demo), an image folder or CIFAR-10.
package org.alexnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.run.CheckpointDirectory;
import org.alexnet4j.run.EpochRecord;
import org.alexnet4j.run.RunDirectories;
import org.alexnet4j.run.TrainSettings;
import org.alexnet4j.run.TrainingRun;
import org.alexnet4j.train.InvalidSettingException;
import org.alexnet4j.train.Sgd;
import org.alexnet4j.train.Trainer;
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
                "Ctrl-C (or SIGTERM) stops after the current step with a checkpoint; --resume continues from it.",
                "Examples: alexnet4j train",
                "          alexnet4j train --data photos --width 0.5 --input 163 --epochs 30",
                "          alexnet4j train --resume runs/latest"})
final class TrainCommand implements Callable<Integer> {
    /** Defaults of the synthetic demo, chosen so the bare command finishes in minutes on two cores. */
    static final int DEMO_TRAINING_IMAGES = 4000, DEMO_INPUT = 67, DEMO_EPOCHS = 15;
    static final double DEMO_WIDTH = 0.25;
    static final Path RUNS = Path.of("runs");
    /** The exit status of a run stopped by a signal (as a shell reports SIGINT). */
    static final int EXIT_STOPPED = 130;

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

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "" + TrainSettings.VALIDATION_FRACTION, description = "Share of each class held out for validation when --data has no train/val split. Default: ${DEFAULT-VALUE}.")
    double validationFraction;

    @Option(names = "--synthetic-images", paramLabel = "N", defaultValue = "" + DEMO_TRAINING_IMAGES, description = "Training images of --synthetic (validation: a quarter). Default: ${DEFAULT-VALUE}.")
    int syntheticImages;

    @Mixin ModelOptions modelOptions;

    @Option(names = "--dropout", paramLabel = "P", description = "Dropout probability of fc6 and fc7. Default: 0.5 (the paper's).")
    Float dropout;

    @Option(names = "--bias-init", paramLabel = "B", description = "Initial bias of conv2, conv4, conv5, fc6, fc7 (the paper's 1; Caffe used 0.1). Default: 1 with --init paper, 0 with he.")
    Float positiveBias;

    @Option(names = "--init", paramLabel = "I", description = "Weight initialisation: he (N(0, 2/fan_in), learns at every width) or paper (N(0, 0.01^2): "
            + "the paper's, which leaves narrow models at chance for many epochs). Default: he.")
    String init;

    @Option(names = "--side", paramLabel = "S", description = "Base image side: shorter side resized to it, central square kept (default: input x 256/227).")
    Integer side;

    @Option(names = "--normalization", paramLabel = "N", description = "mean_image, channel_mean, channel_mean_std or none. Default: mean_image (the paper's).")
    String normalization;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: " + DEMO_EPOCHS + " for the synthetic demo, " + TrainSettings.EPOCHS
            + " otherwise; with --resume: the checkpoint's).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + TrainSettings.BATCH, description = "Images per SGD step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "" + Sgd.PAPER_LEARNING_RATE, description = "Initial learning rate. Default: ${DEFAULT-VALUE} (the paper's).")
    float learningRate;

    @Option(names = "--lr-schedule", paramLabel = "S", defaultValue = TrainSettings.ScheduleChoice.KIND, description = "constant, step or plateau (the paper: divide by 10 when validation error stalls). Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--lr-gamma", paramLabel = "G", defaultValue = "" + TrainSettings.ScheduleChoice.GAMMA, description = "step: divide the rate by G ... Default: ${DEFAULT-VALUE}.")
    float gamma;

    @Option(names = "--lr-step", paramLabel = "E", defaultValue = "" + TrainSettings.ScheduleChoice.EVERY, description = "step: ... every E epochs. Default: ${DEFAULT-VALUE}.")
    int stepEpochs;

    @Option(names = "--lr-patience", paramLabel = "E", defaultValue = "" + TrainSettings.ScheduleChoice.PATIENCE, description = "plateau: epochs without improvement before dividing by 10. Default: ${DEFAULT-VALUE}.")
    int patience;

    @Option(names = "--lr-min", paramLabel = "LR", defaultValue = "" + TrainSettings.ScheduleChoice.MINIMUM, description = "plateau: never below this rate. Default: ${DEFAULT-VALUE}.")
    float minimumRate;

    @Option(names = "--lr-max-reductions", paramLabel = "N", defaultValue = "" + TrainSettings.ScheduleChoice.MAX_REDUCTIONS, description = "plateau: at most N reductions (the paper made 3). Default: ${DEFAULT-VALUE}.")
    int maxReductions;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "" + Sgd.PAPER_MOMENTUM, description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    float momentum;

    @Option(names = "--weight-decay", paramLabel = "D", defaultValue = "" + Sgd.PAPER_WEIGHT_DECAY, description = "Weight decay. Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + TrainSettings.SEED, description = "Seeds initialisation, shuffling, augmentation and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Mixin BackendChoice backendChoice;

    @Mixin ImageOptions imageOptions;

    @Option(names = "--loader-threads", paramLabel = "N", defaultValue = "" + TrainSettings.LOADER_THREADS, description = "Threads that decode and augment images. Default: ${DEFAULT-VALUE}.")
    int loaderThreads;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Run directory for checkpoints, metrics and weights (default: a new runs/<date-time>, linked as runs/latest once it has a checkpoint; with --resume: the checkpoint's).")
    Path checkpointDirectory;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Also save a checkpoint every N steps (0: only after each epoch). Default: "
            + TrainingRun.Checkpointing.EVERY + "; with --resume: the run's.")
    Integer checkpointEvery;

    @Option(names = "--keep", paramLabel = "K", description = "Checkpoints kept (the newest). Default: " + TrainingRun.Checkpointing.KEEP + "; with --resume: the run's.")
    Integer keep;

    @Option(names = "--resume", paramLabel = "DIR|FILE", arity = "0..1", fallbackValue = "",
            description = "Continue a run exactly: a checkpoint file, a run directory (its newest checkpoint), or nothing (the run in runs/ trained most recently). "
                    + "Other options may repeat the run's settings; a setting that differs from the checkpoint's is refused. --epochs, --backend, --threads, "
                    + "--checkpoint-every, --keep and a moved --data/--cifar10 folder may change.")
    String resume;

    /** The library's names of settings (see {@link InvalidSettingException}) as this command's options. */
    private static final Map<String, String> OPTION_OF_SETTING = Map.ofEntries(Map.entry("epochs", "--epochs"), Map.entry("batch size", "--batch"),
            Map.entry("base image side", "--side"), Map.entry("loader threads", "--loader-threads"), Map.entry("learning rate", "--lr"),
            Map.entry("momentum", "--momentum"), Map.entry("weight decay", "--weight-decay"), Map.entry("learning-rate schedule", "--lr-schedule"),
            Map.entry("checkpoint interval", "--checkpoint-every"), Map.entry("checkpoints kept", "--keep"), Map.entry("classes", "--classes"));

    /** What each option that a checkpoint fixes says about the settings, to compare a resumed run's command line with its checkpoint. */
    private static final Map<String, Function<TrainSettings, Object>> FIXED_BY_CHECKPOINT = fixedByCheckpoint();

    private static Map<String, Function<TrainSettings, Object>> fixedByCheckpoint() {
        Map<String, Function<TrainSettings, Object>> m = new LinkedHashMap<>();
        m.put("--variant", s -> s.model().variant().id());
        m.put("--classes", s -> s.model().classes());
        m.put("--input", s -> s.model().inputSize());
        m.put("--width", s -> s.model().widthMultiplier());
        m.put("--dropout", s -> s.model().dropout());
        m.put("--bias-init", s -> s.model().positiveBias());
        m.put("--init", s -> s.model().weightInit().id());
        m.put("--side", TrainSettings::side);
        m.put("--normalization", s -> s.normalization().name().toLowerCase(Locale.ROOT));
        m.put("--batch", TrainSettings::batchSize);
        m.put("--lr", s -> s.optimizer().learningRate());
        m.put("--momentum", s -> s.optimizer().momentum());
        m.put("--weight-decay", s -> s.optimizer().weightDecay());
        m.put("--lr-schedule", s -> s.schedule().kind());
        m.put("--lr-gamma", s -> s.schedule().gamma());
        m.put("--lr-step", s -> s.schedule().every());
        m.put("--lr-patience", s -> s.schedule().patience());
        m.put("--lr-min", s -> s.schedule().minimum());
        m.put("--lr-max-reductions", s -> s.schedule().maxReductions());
        m.put("--seed", TrainSettings::seed);
        m.put("--loader-threads", TrainSettings::loaderThreads);
        m.put("--synthetic", s -> s.data() instanceof TrainSettings.DataChoice.Synthetic ? "synthetic data" : "no synthetic data");
        m.put("--data", s -> s.data() instanceof TrainSettings.DataChoice.ImageFolder ? "an image folder" : "no image folder");
        m.put("--cifar10", s -> s.data() instanceof TrainSettings.DataChoice.Cifar10 ? "CIFAR-10" : "no CIFAR-10");
        m.put("--synthetic-images", s -> s.data() instanceof TrainSettings.DataChoice.Synthetic y ? y.trainingImages() : "no synthetic images");
        m.put("--val-fraction", s -> s.data() instanceof TrainSettings.DataChoice.ImageFolder f ? f.validationFraction() : "no validation split");
        return m;
    }

    @Override public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try {
            return train(out);
        } catch (InvalidSettingException e) {
            throw asOption(e);
        } catch (TrainingRun.FinishedException e) {
            throw new IllegalArgumentException(e.getMessage().replace("ask for more than " + e.epochs() + " epochs", "give --epochs " + (e.epochs() + 1) + " or more"), e);
        }
    }

    /** The library's refusal of a setting, saying which option holds it. */
    private static IllegalArgumentException asOption(InvalidSettingException e) {
        String option = OPTION_OF_SETTING.get(e.setting());
        return option == null ? e : new IllegalArgumentException(option + " " + e.problem(), e);
    }

    /** {@code build()}, which only interprets option values: a value it refuses is a usage error naming its option. */
    private <T> T fromOptions(Supplier<T> build) {
        return Usage.check(spec, () -> {
            try {
                return build.get();
            } catch (InvalidSettingException e) {
                throw asOption(e);
            }
        });
    }

    private int train(PrintWriter out) throws IOException {
        // With --resume the run's own checkpointing applies unless given; the values given are checked all the same.
        TrainingRun.Checkpointing checkpointing = fromOptions(() -> new TrainingRun.Checkpointing(
                Objects.requireNonNullElse(checkpointEvery, TrainingRun.Checkpointing.EVERY), Objects.requireNonNullElse(keep, TrainingRun.Checkpointing.KEEP)));
        try (Backend backend = backendChoice.create(); TrainingRun run = open(backend, checkpointing, out);
             StopOnSignal stop = new StopOnSignal(run, out)) {
            List<EpochRecord> history = run.run(new Progress(ProgressBar.forConsole(out), out, run, checkpointDirectory == null));
            Path dir = run.directory();
            ImageOptions.reportSkipped(out, run.dataProblems(), "file", "image");
            if (run.stopped()) {
                Trainer.State p = run.position();
                out.printf(Locale.ROOT, "stopped at epoch %d/%d, step %d; checkpoint %s%nresume with: alexnet4j train --resume %s%n", p.epoch() + 1,
                        run.settings().epochs(), p.step(), run.lastCheckpoint(), dir);
                out.flush();
                return EXIT_STOPPED;
            }
            out.println("weights: " + dir.resolve(TrainingRun.WEIGHTS_FILE) + "  metrics: " + dir.resolve(TrainingRun.METRICS_FILE)
                    + "  chart: " + dir.resolve(TrainingRun.CHART_FILE));
            if (!history.isEmpty()) {
                EpochRecord last = history.getLast();
                out.printf(Locale.ROOT, "final validation top-1 %.2f%%, top-5 %.2f%% (chance: %.2f%%)%n", 100 * last.top1(), 100 * last.top5(),
                        100.0 / run.model().config().classes());
            }
            out.flush();
            return 0;
        }
    }

    private TrainingRun open(Backend backend, TrainingRun.Checkpointing checkpointing, PrintWriter out) throws IOException {
        if (resume != null) return openResumed(backend, out);
        TrainSettings settings = fromOptions(this::requested);
        Path dir = checkpointDirectory != null ? checkpointDirectory : RunDirectories.create(RUNS);
        TrainingRun run;
        try {
            run = TrainingRun.start(settings, modelOptions.classes, backend, dir, checkpointing, imageOptions.reading());
        } catch (IOException | RuntimeException e) {
            if (checkpointDirectory == null) removeIfEmpty(dir); // the run never began
            throw e;
        }
        out.println("run directory " + dir + "; backend " + backend.description());
        describe(run, out);
        return run;
    }

    private static void removeIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException notEmptyOrGone) {
            // something was written there: keep it
        }
    }

    private TrainingRun openResumed(Backend backend, PrintWriter out) throws IOException {
        Path checkpoint = resolveResume(resume, RUNS);
        if (resume.isEmpty()) out.println("--resume: the run in " + RUNS + " trained most recently is " + checkpoint.getParent());
        Path dataLocation = dataOptions == null ? null : dataOptions.folder != null ? dataOptions.folder : dataOptions.cifar10;
        TrainingRun run = TrainingRun.resume(checkpoint, epochs, dataLocation, backend, keep, checkpointEvery, imageOptions.reading());
        try {
            refuseDifferingSettings(run);
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        Trainer.State p = run.position();
        out.printf(Locale.ROOT, "resuming from %s (epoch %d/%d, batch %d, step %d) on %s%n", checkpoint, p.epoch() + 1, run.settings().epochs(), p.batch(),
                p.step(), backend.description());
        describe(run, out);
        return run;
    }

    /** Options given with --resume must say what the checkpoint says; each that does not is named with both values. */
    private void refuseDifferingSettings(TrainingRun run) {
        ParseResult parsed = spec.commandLine().getParseResult();
        TrainSettings requested = fromOptions(this::requested), saved = run.settings();
        List<String> differences = new ArrayList<>();
        FIXED_BY_CHECKPOINT.forEach((option, value) -> {
            if (parsed.hasMatchedOption(option) && !value.apply(requested).equals(value.apply(saved))) {
                differences.add(option + " " + shown(value.apply(requested)) + " (the checkpoint has " + shown(value.apply(saved)) + ")");
            }
        });
        if (checkpointDirectory != null && !checkpointDirectory.toAbsolutePath().normalize().equals(run.directory().toAbsolutePath().normalize())) {
            differences.add("--checkpoint-dir " + checkpointDirectory + " (the checkpoint's run is in " + run.directory() + ")");
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("--resume continues the checkpoint's run; these settings differ from it: " + String.join(", ", differences));
        }
    }

    /** The settings this command line asks for: the shared defaults (the demo's without a data option) and the options given. */
    private TrainSettings requested() {
        boolean synthetic = dataOptions == null || dataOptions.synthetic;
        AlexNet.WeightInit weightInit = init != null ? AlexNet.WeightInit.parse(init) : TrainSettings.WEIGHT_INIT;
        float bias = positiveBias != null ? positiveBias : TrainSettings.defaultPositiveBias(weightInit);
        AlexNet.Config defaults = TrainSettings.defaultModel(AlexNet.Variant.PAPER).withPositiveBias(bias).withWeightInit(weightInit);
        if (dropout != null) defaults = defaults.withDropout(dropout);
        if (synthetic) defaults = defaults.withWidthMultiplier(DEMO_WIDTH);
        AlexNet.Config config = modelOptions.config(defaults, synthetic ? DEMO_INPUT : null);
        int baseSide = side != null ? side : org.alexnet4j.data.TrainingData.sideFor(config.inputSize());
        return new TrainSettings(dataChoice(baseSide), baseSide, normalization != null ? Normalization.parse(normalization) : TrainSettings.NORMALIZATION, config,
                epochs != null ? epochs : synthetic ? DEMO_EPOCHS : TrainSettings.EPOCHS, batch, new Sgd(learningRate, momentum, weightDecay),
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

    /** A setting's value as the command line spells it: floats in plain decimal notation (0.0005, not 5.0E-4). */
    private static String shown(Object value) {
        return value instanceof Float f ? plain(f) : value instanceof Double d ? new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString() : value.toString();
    }

    private static String plain(float value) { return new BigDecimal(Float.toString(value)).toPlainString(); }

    /** The checkpoint --resume names: a file, a run directory's newest, or (empty) the newest of the run in {@code runs} trained last. */
    static Path resolveResume(String value, Path runs) throws IOException {
        Path target = value.isEmpty() ? RunDirectories.mostRecentlyTrained(runs)
                .orElseThrow(() -> new IllegalArgumentException("--resume without a value: no run directory with a checkpoint in " + runs.toAbsolutePath()))
                : Path.of(value);
        if (Files.isRegularFile(target)) return target;
        if (!Files.isDirectory(target)) throw new IllegalArgumentException("--resume " + target + ": no such checkpoint file or run directory");
        return new CheckpointDirectory(target, 1).latest()
                .orElseThrow(() -> new IllegalArgumentException("--resume " + target + ": no checkpoint-s*.safetensors in that directory"));
    }

    /**
     * While a run trains, SIGINT and SIGTERM (the JVM's shutdown) stop it at the next step boundary with a
     * checkpoint: the shutdown waits until this is closed, after the run has saved and the outcome is
     * printed (at most {@link #GRACE_MINUTES}).
     */
    private static final class StopOnSignal implements AutoCloseable {
        static final long GRACE_MINUTES = 10;
        private final CountDownLatch done = new CountDownLatch(1);
        private final Thread hook;

        StopOnSignal(TrainingRun run, PrintWriter out) {
            hook = new Thread(() -> {
                out.println();
                out.println("stopping after the current step, with a checkpoint ...");
                out.flush();
                run.stop();
                try {
                    done.await(GRACE_MINUTES, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "alexnet4j-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override public void close() {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the run is done
            }
        }
    }

    /** Draws the progress bar, prints the per-epoch line, warns of a model stuck at chance, links runs/latest at the first checkpoint. */
    private static final class Progress implements TrainingRun.Listener {
        private final ProgressBar bar;
        private final PrintWriter out;
        private final TrainingRun run;
        private boolean linkLatest, warned, previousAtChance;

        Progress(ProgressBar bar, PrintWriter out, TrainingRun run, boolean linkLatest) {
            this.bar = bar;
            this.out = out;
            this.run = run;
            this.linkLatest = linkLatest;
        }

        @Override public void onProgress(TrainingListener.Progress p) {
            if (!bar.label().equals(label(p.epoch(), p.epochs()))) {
                bar.start(label(p.epoch(), p.epochs()), p.imagesTotal());
            }
            bar.update(p.imagesDone(), p.loss());
        }

        @Override public void onEpoch(EpochRecord r, int epochs) {
            bar.finish(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f  val loss %.4f  top-1 %.2f%%  top-5 %.2f%%  lr %.3g  %.1f s",
                    r.epoch(), epochs, r.trainLoss(), r.validationLoss(), 100 * r.top1(), 100 * r.top5(), r.learningRate(), r.seconds()));
            int classes = run.model().config().classes();
            boolean atChance = StalledLoss.atChance(r, classes);
            if (atChance && previousAtChance && !warned) {
                warned = true;
                out.println(StalledLoss.advice(r, classes, run.model().config().weightInit(), run.settings().optimizer().learningRate()));
                out.flush();
            }
            previousAtChance = atChance;
        }

        @Override public void onCheckpoint(Path file) {
            if (linkLatest) {
                RunDirectories.linkLatest(RUNS, run.directory());
                linkLatest = false;
            }
        }

        private static String label(int epoch, int epochs) { return "epoch " + (epoch + 1) + "/" + epochs; }
    }

    /**
     * An epoch that ended where a network predicting uniform probabilities would be: training loss still
     * at (or above) ln(classes) and validation top-1 near chance. Two such epochs in a row: it has not
     * started learning (one alone is often the slow first epoch of a run that then learns).
     */
    static final class StalledLoss {
        private StalledLoss() {}

        /** Training loss less than 3% below ln(classes) or above it, and validation top-1 at most 1.5 x chance (or no validation set). */
        static boolean atChance(EpochRecord r, int classes) { return r.trainLoss() >= 0.97 * Math.log(classes) && !(r.top1() > 1.5 / classes); }

        static String advice(EpochRecord r, int classes, AlexNet.WeightInit init, float learningRate) {
            BigDecimal rate = new BigDecimal(Float.toString(learningRate));
            String change = init == AlexNet.WeightInit.PAPER ? "--init he (the paper's init leaves narrow models at chance for many epochs)"
                    : "another --lr (now " + rate.toPlainString() + "; try " + rate.movePointLeft(1).toPlainString() + " or "
                            + rate.multiply(BigDecimal.valueOf(3)).toPlainString() + ")";
            return String.format(Locale.ROOT, "warning: after epochs %d and %d the training loss (%.4f) is still at chance level (ln(%d) = %.4f), "
                    + "and so is the validation top-1 (%.2f%%): the model is not learning; try %s", r.epoch() - 1, r.epoch(), r.trainLoss(), classes,
                    Math.log(classes), 100 * r.top1(), change);
        }
    }
}
