// One training run on disk: data, network, Trainer, checkpoints every N steps and every epoch, metrics and chart.
package org.alexnet4j.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.Augmentation;
import org.alexnet4j.data.DataProblems;
import org.alexnet4j.data.DataSplit;
import org.alexnet4j.data.ImageReading;
import org.alexnet4j.data.TrainingData;
import org.alexnet4j.io.AtomicFiles;
import org.alexnet4j.io.CheckpointFile;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.train.InvalidSettingException;
import org.alexnet4j.train.LearningRateSchedule;
import org.alexnet4j.train.Trainer;
import org.alexnet4j.train.TrainingListener;

/**
 * Drives a {@link Trainer} and keeps the run directory current: a checkpoint every {@code checkpointEvery}
 * steps and after every epoch (the newest {@code keep} are kept), metrics.csv and chart.png (where the runtime
 * has java.desktop) after every epoch, weights.safetensors at the end. A checkpoint holds everything a resumed run needs to repeat the
 * uninterrupted one step for step: parameters, momentum, batch-norm buffers, the trainer's position
 * (epoch, batch, step, the epoch's loss so far), the schedule state, the settings (seed included), the
 * training-set statistics, the class names, the model config, and the run's identity and checkpointing.
 *
 * <p>A run directory belongs to one run: {@value #RUN_ID_FILE} holds its identity, and a checkpoint of
 * another run found there is refused rather than continued. {@link #stop()} ends the run at the next step
 * boundary with a checkpoint of that position.
 */
public final class TrainingRun implements AutoCloseable {
    /** Weights written at the end of a run, beside the checkpoints. */
    public static final String WEIGHTS_FILE = "weights.safetensors";
    public static final String METRICS_FILE = "metrics.csv";
    public static final String CHART_FILE = "chart.png";
    /** The run's identity (the run.id of its checkpoints), written when the run starts. */
    public static final String RUN_ID_FILE = "run.id";
    /** Whether the runtime has java.desktop (AWT, ImageIO) to draw chart.png; a trimmed runtime without it trains without the chart. */
    private static final boolean CHARTS = ModuleLayer.boot().findModule("java.desktop").isPresent();
    /** Training images the statistics (mean image, PCA) are computed from, at most (evenly spaced). */
    static final int STATISTICS_IMAGES = 10_000;

    /** What a run reports; every method has an empty default. */
    public interface Listener {
        /** After each training step: the step number (1-based over the run) and that batch's mean loss. */
        default void onStep(long step, float loss) {}

        /** After each training step, with images counted from the start of the epoch (resumed or not). */
        default void onProgress(TrainingListener.Progress progress) {}

        /** After each epoch (epoch numbers here are 1-based). */
        default void onEpoch(EpochRecord record, int epochs) {}

        default void onCheckpoint(Path file) {}
    }

    /** How often checkpoints are written: every {@code every} steps (0: only after each epoch), the newest {@code keep} kept. */
    public record Checkpointing(int every, int keep) {
        public static final int EVERY = 0, KEEP = 3;
        public static final Checkpointing DEFAULT = new Checkpointing(EVERY, KEEP);

        public Checkpointing {
            if (every < 0) throw new InvalidSettingException("checkpoint interval", "must be >= 0 steps, got " + every);
            if (keep < 1) throw new InvalidSettingException("checkpoints kept", "must be >= 1, got " + keep);
        }
    }

    /** Thrown by {@link #resume} for a run that has done every epoch it was asked for. */
    public static final class FinishedException extends IllegalArgumentException {
        private final int epochs;

        FinishedException(String what, int epochs) {
            super(what + " has finished all " + epochs + " of its epochs; to train it further, ask for more than " + epochs + " epochs");
            this.epochs = epochs;
        }

        /** The epochs done. */
        public int epochs() { return epochs; }
    }

    private final TrainSettings settings;
    private final TrainedModel model;
    private final TrainingData data;
    private final Sequential network;
    private final LearningRateSchedule schedule;
    private final Trainer trainer;
    private final CheckpointDirectory checkpoints;
    private final Checkpointing checkpointing;
    private final String runId;
    private final List<EpochRecord> history;
    private Listener listener = new Listener() {};
    private long savedStep = -1;
    private Path lastCheckpoint;

    private TrainingRun(TrainSettings settings, TrainingData data, Backend backend, Path directory, Checkpointing checkpointing, String runId,
                        List<EpochRecord> history) {
        this.settings = settings;
        this.data = data;
        this.checkpoints = new CheckpointDirectory(directory, checkpointing.keep());
        this.checkpointing = checkpointing;
        this.runId = runId;
        this.history = new ArrayList<>(history);
        this.model = new TrainedModel(settings.model(), data.classNames(),
                new Preprocessing(settings.side(), settings.model().inputSize(), settings.normalization(), data.statistics()));
        this.network = AlexNet.create(backend, settings.model(), settings.seed());
        this.schedule = settings.schedule().create(settings.optimizer().learningRate());
        this.trainer = new Trainer(network, settings.optimizer(), schedule, new Hooks());
    }

    /**
     * A new run in {@code directory} (created; it must not hold another run). {@code classes}: the number
     * of classes, or null to take it from the data (a given number must match the data). Image files are
     * read as {@code reading} says (a skipped one is counted in {@link #dataProblems()}).
     */
    public static TrainingRun start(TrainSettings settings, Integer classes, Backend backend, Path directory, Checkpointing checkpointing,
                                    ImageReading reading) throws IOException {
        claim(directory, null);
        DataSplit split = settings.data().open(settings.seed(), reading);
        int dataClasses = split.training().classNames().size();
        if (classes != null && classes != dataClasses) throw new InvalidSettingException("classes", "is " + classes + " but the data has " + dataClasses);
        TrainSettings resolved = settings.withModel(settings.model().withClasses(dataClasses));
        TrainingData data = open(split, resolved, reading);
        String id = UUID.randomUUID().toString();
        TrainingRun run = null;
        try {
            run = new TrainingRun(resolved, data, backend, directory, checkpointing, id, List.of());
            claim(directory, id); // last: a run that could not start leaves its directory as it found it
            return run;
        } catch (IOException | RuntimeException e) {
            if (run != null) run.close();
            else data.close();
            throw e;
        }
    }

    /** {@link #start} with the default checkpointing but every {@code checkpointEvery} steps, keeping {@code keep}. */
    public static TrainingRun start(TrainSettings settings, Integer classes, Backend backend, Path directory, int keep, int checkpointEvery)
            throws IOException {
        return start(settings, classes, backend, directory, new Checkpointing(checkpointEvery, keep), ImageReading.DEFAULT);
    }

    /**
     * Continues the run saved in {@code checkpoint} in the checkpoint's directory, with its settings except
     * the number of epochs (null: the saved one), the data's folder (null: the saved one; the data must
     * have the same fingerprint) and the checkpointing (null: the saved one). Refused: a checkpoint of
     * another run than its directory's, one whose metadata contradicts itself or its tensors, and a run
     * that has done all its epochs (then ask for more). Image files are read as {@code reading} says.
     */
    public static TrainingRun resume(Path checkpoint, Integer epochs, Path dataLocation, Backend backend, Integer keep, Integer checkpointEvery,
                                     ImageReading reading) throws IOException {
        CheckpointFile.Contents contents = CheckpointFile.read(checkpoint);
        Metadata m = new Metadata(contents.metadata(), checkpoint.toString());
        TrainedModel saved = ModelFiles.model(m, contents.tensors());
        TrainSettings settings = TrainSettings.fromMetadata(m, saved.config());
        Trainer.State position = position(m);
        List<EpochRecord> history = MetricsCsv.parse(m.get(HISTORY), m.file());
        checkConsistent(m, position, history, settings.batchSize());
        if (epochs != null) {
            if (epochs < position.epoch() || epochs == position.epoch() && position.batch() > 0) {
                throw new InvalidSettingException("epochs", "must be more than the " + position.epoch() + " the run has done, got " + epochs);
            }
            settings = settings.withEpochs(epochs);
        }
        if (position.epoch() >= settings.epochs()) throw new FinishedException("the run of " + checkpoint, position.epoch());
        if (dataLocation != null) settings = settings.withData(settings.data().movedTo(dataLocation, m.file()));
        Checkpointing stored = new Checkpointing(m.get(CHECKPOINT_EVERY), m.get(KEEP));
        Checkpointing checkpointing = new Checkpointing(checkpointEvery != null ? checkpointEvery : stored.every(), keep != null ? keep : stored.keep());
        Path directory = checkpoint.toAbsolutePath().getParent();
        String id = m.get(RUN_ID);
        claim(directory, id);

        DataSplit split = settings.data().open(settings.seed(), reading);
        if (!split.training().classNames().equals(saved.classNames())) {
            throw new IllegalArgumentException(m.file() + ": the checkpoint's classes " + saved.classNames() + " differ from the data's " + split.training().classNames());
        }
        if (!split.training().fingerprint().equals(saved.preprocessing().statistics().fingerprint())) {
            throw new IllegalArgumentException(m.file() + ": the training data changed since the checkpoint (fingerprint "
                    + split.training().fingerprint() + ", checkpoint has " + saved.preprocessing().statistics().fingerprint() + ")");
        }
        TrainingData data = open(split, settings, reading);
        TrainingRun run = null;
        try {
            int batches = data.training().batchesPerEpoch();
            if (position.batch() > batches) throw m.invalid(BATCH, "is " + position.batch() + " but an epoch of this data has " + batches + " batches");
            run = new TrainingRun(settings, data, backend, directory, checkpointing, id, history);
            run.restore(contents, m, position);
            run.savedStep = position.step();
            run.lastCheckpoint = checkpoint;
            return run;
        } catch (RuntimeException e) {
            if (run != null) run.close();
            else data.close();
            throw e;
        }
    }

    private static TrainingData open(DataSplit split, TrainSettings s, ImageReading reading) {
        return TrainingData.open(split, new TrainingData.Settings(s.model().inputSize(), s.side(), s.batchSize(), s.loaderThreads(),
                s.seed(), Augmentation.PAPER, s.normalization(), reading.policy(), STATISTICS_IMAGES));
    }

    /** Files skipped while the data was scanned and images skipped or upscaled while it is read, so far. */
    public DataProblems dataProblems() { return data.problems(); }

    /**
     * Makes {@code directory} the run {@code id}'s (null: only checks that no other run has it): creates it,
     * refuses it when it holds another run's identity or checkpoints, removes temporary files that
     * interrupted saves left, and records the identity.
     */
    private static void claim(Path directory, String id) throws IOException {
        Path idFile = directory.resolve(RUN_ID_FILE);
        String owner = Files.isRegularFile(idFile) ? Files.readString(idFile, StandardCharsets.UTF_8).strip() : null;
        if (owner != null && !owner.equals(id)) {
            throw new IllegalArgumentException(id == null
                    ? directory + " already holds a run (" + RUN_ID_FILE + " " + owner + "); resume it, or choose another directory"
                    : "the checkpoint belongs to run " + id + ", but its directory " + directory + " holds run " + owner
                            + "; it was copied from another run: resume it from a directory of its own");
        }
        if (id == null) {
            if (!new CheckpointDirectory(directory, 1).list().isEmpty()) {
                throw new IllegalArgumentException(directory + " already holds checkpoints; resume them, or choose another directory");
            }
            return;
        }
        Files.createDirectories(directory);
        new CheckpointDirectory(directory, 1).removeStaleTemporaryFiles(Set.of(WEIGHTS_FILE, METRICS_FILE, CHART_FILE, RUN_ID_FILE));
        if (owner == null) AtomicFiles.write(idFile, (id + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public TrainSettings settings() { return settings; }

    public TrainedModel model() { return model; }

    public Sequential network() { return network; }

    public Path directory() { return checkpoints.directory(); }

    public Checkpointing checkpointing() { return checkpointing; }

    /** Where the run stands now (after {@link #run}: where it ended or stopped). */
    public Trainer.State position() { return trainer.state(); }

    /** Epochs finished so far (from a resumed checkpoint, or this run). */
    public List<EpochRecord> history() { return List.copyOf(history); }

    /** The newest checkpoint this run wrote or resumed from, or null. */
    public Path lastCheckpoint() { return lastCheckpoint; }

    /**
     * Ends {@link #run} at the next step boundary, with a checkpoint of that position; safe from any thread
     * (a signal handler's). {@link #stopped()} then says so.
     */
    public void stop() { trainer.requestStop(); }

    /** Whether the run ended before its last epoch because {@link #stop()} was called. */
    public boolean stopped() { return trainer.stopRequested() && trainer.state().epoch() < settings.epochs(); }

    /**
     * Trains up to the configured number of epochs (from where a resumed run stands) and writes the final
     * weights; returns the whole history. After {@link #stop()} it returns early, having saved a checkpoint.
     */
    public List<EpochRecord> run(Listener listener) throws IOException {
        this.listener = listener;
        try {
            trainer.fit(data.training(), data.validation(), settings.epochs());
            if (stopped()) {
                if (trainer.state().step() != savedStep) saveCheckpoint();
                return history();
            }
        } catch (UncheckedIOException e) {
            throw new IOException(e.getMessage(), e.getCause()); // the message says which directory
        }
        ModelFiles.save(checkpoints.directory().resolve(WEIGHTS_FILE), network.weights(), model);
        return history();
    }

    // ---- checkpoints ---------------------------------------------------------------------------

    private static final Metadata.Key<String> RUN_ID = Metadata.text("run.id");
    private static final Metadata.Key<Integer> CHECKPOINT_EVERY = Metadata.integer("run.checkpoint_every", 0);
    private static final Metadata.Key<Integer> KEEP = Metadata.integer("run.keep", 1);
    private static final Metadata.Key<Integer> EPOCH = Metadata.integer("state.epoch", 0);
    private static final Metadata.Key<Integer> BATCH = Metadata.integer("state.batch", 0);
    private static final Metadata.Key<Long> STEP = Metadata.longInteger("state.step", 0);
    private static final Metadata.Key<Double> EPOCH_LOSS_SUM = Metadata.decimal("state.epoch_loss_sum");
    private static final Metadata.Key<Long> EPOCH_IMAGES = Metadata.longInteger("state.epoch_images", 0);
    private static final Metadata.Key<Integer> SCHEDULE_EPOCHS = Metadata.integer("state.schedule_epochs", 0);
    private static final Metadata.Key<Float> SCHEDULE_RATE = Metadata.single("state.schedule_lr");
    private static final Metadata.Key<Double> SCHEDULE_BEST = Metadata.decimal("state.schedule_best_error");
    private static final Metadata.Key<Integer> SCHEDULE_STALLED = Metadata.integer("state.schedule_epochs_without_improvement", 0);
    private static final Metadata.Key<Integer> SCHEDULE_REDUCTIONS = Metadata.integer("state.schedule_reductions", 0);
    private static final Metadata.Key<String> HISTORY = Metadata.text("state.history");

    private static Trainer.State position(Metadata m) {
        LearningRateSchedule.State s = new LearningRateSchedule.State(m.get(SCHEDULE_EPOCHS), m.get(SCHEDULE_RATE), m.get(SCHEDULE_BEST),
                m.get(SCHEDULE_STALLED), m.get(SCHEDULE_REDUCTIONS));
        return new Trainer.State(m.get(EPOCH), m.get(BATCH), m.get(STEP), m.get(EPOCH_LOSS_SUM), m.get(EPOCH_IMAGES), s);
    }

    /** The position, the history and the schedule must tell one story (a checksum only proves the file is as written). */
    private static void checkConsistent(Metadata m, Trainer.State p, List<EpochRecord> history, int batchSize) {
        if (history.size() != p.epoch()) throw m.invalid(EPOCH, "is " + p.epoch() + " but the history holds " + history.size() + " epochs");
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).epoch() != i + 1) throw m.invalid(HISTORY, "numbers epoch " + (i + 1) + " as " + history.get(i).epoch());
        }
        long stepsBefore = history.isEmpty() ? 0 : history.getLast().step();
        if (p.step() != stepsBefore + p.batch()) {
            throw m.invalid(STEP, "is " + p.step() + " but the history ends at step " + stepsBefore + " and the epoch has done " + p.batch() + " batches");
        }
        if (p.schedule().epochs() != p.epoch()) throw m.invalid(SCHEDULE_EPOCHS, "is " + p.schedule().epochs() + " but the run has done " + p.epoch() + " epochs");
        if (p.epochImages() != (long) p.batch() * batchSize) { // training batches are always full (the last partial one is dropped)
            throw m.invalid(EPOCH_IMAGES, "is " + p.epochImages() + " after " + p.batch() + " batches of " + batchSize + " images");
        }
    }

    private void saveCheckpoint() {
        Trainer.State p = trainer.state();
        ModelFiles.WeightsFile weights = ModelFiles.weightsFile(network.weights(), model);
        Map<String, TensorData> tensors = new LinkedHashMap<>(weights.tensors());
        for (Map.Entry<String, Tensor> e : network.velocities().entrySet()) {
            tensors.put(ModelFiles.MOMENTUM_PREFIX + ModelFiles.fileName(settings.model().variant(), e.getKey()),
                    ModelFiles.hostCopy(network.backend(), e.getValue()));
        }
        LearningRateSchedule.State s = p.schedule();
        Metadata metadata = new Metadata(weights.metadata(), "checkpoint").putAll(settings.metadata())
                .put(RUN_ID, runId).put(CHECKPOINT_EVERY, checkpointing.every()).put(KEEP, checkpointing.keep())
                .put(EPOCH, p.epoch()).put(BATCH, p.batch()).put(STEP, p.step()).put(EPOCH_LOSS_SUM, p.epochLossSum()).put(EPOCH_IMAGES, p.epochImages())
                .put(SCHEDULE_EPOCHS, s.epochs()).put(SCHEDULE_RATE, s.learningRate()).put(SCHEDULE_BEST, s.bestError())
                .put(SCHEDULE_STALLED, s.epochsWithoutImprovement()).put(SCHEDULE_REDUCTIONS, s.reductions())
                .put(HISTORY, MetricsCsv.format(history));
        try {
            Path file = checkpoints.save(p.step(), tensors, metadata.values());
            savedStep = p.step();
            lastCheckpoint = file;
            listener.onCheckpoint(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + checkpoints.directory() + ": " + e.getMessage(), e);
        }
    }

    /** Parameters, buffers, momentum, step and schedule from a checkpoint. */
    private void restore(CheckpointFile.Contents contents, Metadata m, Trainer.State position) {
        AlexNet.Variant variant = settings.model().variant();
        ModelFiles.load(network.weights(), variant, ModelFiles.networkTensors(contents.tensors()), m.file());
        for (Map.Entry<String, Tensor> e : network.velocities().entrySet()) {
            String name = ModelFiles.MOMENTUM_PREFIX + ModelFiles.fileName(variant, e.getKey());
            TensorData v = contents.tensors().get(name);
            if (v == null) throw new IllegalArgumentException(m.file() + ": checkpoint has no tensor '" + name + "'");
            if (!v.shape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException(m.file() + ": tensor '" + name + "' has shape " + v.shape() + ", expected " + e.getValue().shape());
            }
            network.backend().copyFromHost(e.getValue(), v.data(), 0);
        }
        trainer.restore(position);
    }

    @Override public void close() {
        trainer.close();
        network.close();
        data.close();
    }

    // ---- the Trainer's hooks -------------------------------------------------------------------

    /** Reports each step and epoch, checkpoints every {@code checkpointing.every()} steps and after each epoch. */
    private final class Hooks implements TrainingListener {
        @Override public void onProgress(Progress p) {
            listener.onStep(p.step(), p.batchLoss());
            listener.onProgress(p);
            if (checkpointing.every() > 0 && p.step() % checkpointing.every() == 0) saveCheckpoint();
        }

        @Override public void onEpochEnd(EpochResult r) {
            EpochRecord record = new EpochRecord(r.epoch() + 1, r.step(), r.trainLoss(), r.validationLoss(), r.validationTop1Accuracy(),
                    r.validationTop5Accuracy(), r.learningRate(), r.seconds());
            history.add(record);
            try {
                MetricsCsv.write(checkpoints.directory().resolve(METRICS_FILE), history);
                if (CHARTS) CurveChart.write(checkpoints.directory().resolve(CHART_FILE), history);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write metrics in " + checkpoints.directory() + ": " + e.getMessage(), e);
            }
            saveCheckpoint();
            listener.onEpoch(record, r.epochs());
        }
    }
}
