// One training run on disk: data, network, Trainer, checkpoints every N steps and every epoch, metrics and chart.
package org.alexnet4j.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.Augmentation;
import org.alexnet4j.data.BadImagePolicy;
import org.alexnet4j.data.Batch;
import org.alexnet4j.data.BatchSource;
import org.alexnet4j.data.DataSplit;
import org.alexnet4j.data.TrainingData;
import org.alexnet4j.io.CheckpointFile;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.train.LearningRateSchedule;
import org.alexnet4j.train.Sgd;
import org.alexnet4j.train.Trainer;
import org.alexnet4j.train.TrainingListener;

/**
 * Drives a {@link Trainer} and keeps the run directory current: a checkpoint every {@code checkpointEvery}
 * steps and after every epoch (the newest {@code keep} are kept), metrics.csv and chart.png after every
 * epoch, weights.safetensors at the end. A checkpoint holds everything a resumed run needs to repeat the
 * uninterrupted one step for step: parameters, momentum, batch-norm buffers, the position (epoch, step,
 * batches done in the epoch and their loss so far), the schedule state, the settings (seed included),
 * the training-set statistics, the class names and the model config.
 */
public final class TrainingRun implements AutoCloseable {
    /** Weights written at the end of a run, beside the checkpoints. */
    public static final String WEIGHTS_FILE = "weights.safetensors";
    public static final String METRICS_FILE = "metrics.csv";
    public static final String CHART_FILE = "chart.png";
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

    /** Where in an epoch a run stands: batches done and the sum of their losses (times images) and images. */
    private record Position(int epoch, int batchesDone, double lossSum, long images) {
        static Position startOf(int epoch) { return new Position(epoch, 0, 0, 0); }
    }

    private final TrainSettings settings;
    private final TrainedModel model;
    private final TrainingData data;
    private final Sequential network;
    private final LearningRateSchedule schedule;
    private final Trainer trainer;
    private final CheckpointDirectory checkpoints;
    private final int checkpointEvery;
    private final List<EpochRecord> history;
    private final Position resumeAt;
    private Position current;
    private Listener listener = new Listener() {};

    private TrainingRun(TrainSettings settings, TrainingData data, Backend backend, CheckpointDirectory checkpoints, int checkpointEvery,
                        List<EpochRecord> history, Position resumeAt) {
        this.settings = settings;
        this.data = data;
        this.checkpoints = checkpoints;
        this.checkpointEvery = checkpointEvery;
        this.history = new ArrayList<>(history);
        this.resumeAt = resumeAt;
        this.current = resumeAt;
        this.model = new TrainedModel(settings.model(), data.classNames(),
                new Preprocessing(settings.side(), settings.model().inputSize(), settings.normalization(), data.statistics()));
        this.network = AlexNet.create(backend, settings.model(), settings.seed());
        this.schedule = settings.schedule().create(settings.optimizer().learningRate());
        this.trainer = new Trainer(network, new Sgd(settings.optimizer().momentum(), settings.optimizer().weightDecay()), schedule, new Adapter());
    }

    /**
     * A new run. {@code classes}: the number of classes, or null to take it from the data (a given
     * number must match the data). Checkpoints go to {@code directory}.
     */
    public static TrainingRun start(TrainSettings settings, Integer classes, Backend backend, Path directory, int keep, int checkpointEvery) {
        DataSplit split = settings.data().open(settings.seed());
        int dataClasses = split.training().classNames().size();
        if (classes != null && classes != dataClasses) {
            throw new IllegalArgumentException("--classes " + classes + " but the data has " + dataClasses + " classes");
        }
        TrainSettings resolved = settings.withModel(settings.model().withClasses(dataClasses));
        TrainingData data = open(split, resolved);
        return new TrainingRun(resolved, data, backend, new CheckpointDirectory(directory, keep), checkpointEvery, List.of(), Position.startOf(0));
    }

    /**
     * Continues the run saved in {@code checkpoint}, with its settings except the number of epochs (null:
     * the saved one) and the data's folder (null: the saved one; the data must have the same fingerprint).
     * The run directory is the checkpoint's.
     */
    public static TrainingRun resume(Path checkpoint, Integer epochs, Path dataLocation, Backend backend,
                                     int keep, int checkpointEvery) throws IOException {
        CheckpointFile.Contents contents = CheckpointFile.read(checkpoint);
        String file = checkpoint.toString();
        Map<String, String> m = contents.metadata();
        TrainedModel saved = ModelFiles.model(m, file);
        TrainSettings settings = TrainSettings.fromMetadata(m, saved.config(), file);
        if (epochs != null) settings = settings.withEpochs(epochs);
        if (dataLocation != null) settings = settings.withData(settings.data().movedTo(dataLocation, file));
        DataSplit split = settings.data().open(settings.seed());
        if (!split.training().classNames().equals(saved.classNames())) {
            throw new IllegalArgumentException(file + ": the checkpoint's classes " + saved.classNames() + " differ from the data's " + split.training().classNames());
        }
        if (!split.training().fingerprint().equals(saved.preprocessing().statistics().fingerprint())) {
            throw new IllegalArgumentException(file + ": the training data changed since the checkpoint (fingerprint "
                    + split.training().fingerprint() + ", checkpoint has " + saved.preprocessing().statistics().fingerprint() + ")");
        }
        Metadata f = new Metadata(m, file);
        Position position = new Position(f.integer("state.epoch"), f.integer("state.batches_in_epoch"),
                f.decimal("state.epoch_loss_sum"), f.longInteger("state.epoch_images"));
        List<EpochRecord> history = MetricsCsv.parse(f.get("state.history"), file);
        TrainingData data = open(split, settings);
        CheckpointDirectory directory = new CheckpointDirectory(checkpoint.toAbsolutePath().getParent(), keep);
        TrainingRun run = new TrainingRun(settings, data, backend, directory, checkpointEvery, history, position);
        try {
            run.restore(contents, f);
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        return run;
    }

    private static TrainingData open(DataSplit split, TrainSettings s) {
        return TrainingData.open(split, new TrainingData.Settings(s.model().inputSize(), s.side(), s.batchSize(), s.loaderThreads(),
                s.seed(), Augmentation.PAPER, s.normalization(), BadImagePolicy.FAIL, STATISTICS_IMAGES));
    }

    public TrainSettings settings() { return settings; }

    public TrainedModel model() { return model; }

    public Sequential network() { return network; }

    public Path directory() { return checkpoints.directory(); }

    /** Epochs finished so far (from a resumed checkpoint, or this run). */
    public List<EpochRecord> history() { return List.copyOf(history); }

    /**
     * Trains up to the configured number of epochs (from where a resumed run stands) and writes the final
     * weights; returns the whole history.
     */
    public List<EpochRecord> run(Listener listener) throws IOException {
        this.listener = listener;
        BatchSource training = new SkipAhead(data.training(), resumeAt);
        try {
            trainer.fit(training, data.validation(), settings.epochs());
        } catch (UncheckedIOException e) {
            throw new IOException(e.getMessage(), e.getCause()); // the message says which directory
        }
        ModelFiles.save(checkpoints.directory().resolve(WEIGHTS_FILE), network, model);
        return history();
    }

    // ---- checkpoints ---------------------------------------------------------------------------

    private Path saveCheckpoint(Position position) {
        Map<String, TensorData> tensors = ModelFiles.tensors(network, settings.model().variant());
        for (Map.Entry<String, Tensor> e : network.velocities().entrySet()) {
            tensors.put(ModelFiles.MOMENTUM_PREFIX + ModelFiles.fileName(settings.model().variant(), e.getKey()),
                    ModelFiles.hostCopy(network.backend(), e.getValue()));
        }
        Map<String, String> metadata = new LinkedHashMap<>(ModelFiles.metadata(model));
        metadata.putAll(settings.metadata());
        LearningRateSchedule.State s = schedule.state();
        metadata.put("state.epoch", Integer.toString(position.epoch()));
        metadata.put("state.step", Long.toString(network.step()));
        metadata.put("state.batches_in_epoch", Integer.toString(position.batchesDone()));
        metadata.put("state.epoch_loss_sum", Double.toString(position.lossSum()));
        metadata.put("state.epoch_images", Long.toString(position.images()));
        metadata.put("state.schedule_epochs", Integer.toString(s.epochs()));
        metadata.put("state.schedule_lr", Float.toString(s.learningRate()));
        metadata.put("state.schedule_best_error", Double.toString(s.bestError()));
        metadata.put("state.schedule_epochs_without_improvement", Integer.toString(s.epochsWithoutImprovement()));
        metadata.put("state.schedule_reductions", Integer.toString(s.reductions()));
        metadata.put("state.history", MetricsCsv.format(history));
        try {
            Path file = checkpoints.save(network.step(), tensors, metadata);
            listener.onCheckpoint(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + checkpoints.directory() + ": " + e.getMessage(), e);
        }
    }

    /** Parameters, buffers, momentum, step and schedule from a checkpoint. */
    private void restore(CheckpointFile.Contents contents, Metadata f) {
        AlexNet.Variant variant = settings.model().variant();
        Map<String, TensorData> weights = new LinkedHashMap<>();
        contents.tensors().forEach((name, t) -> { if (!name.startsWith(ModelFiles.MOMENTUM_PREFIX)) weights.put(name, t); });
        ModelFiles.load(network, variant, weights, f.file());
        for (Map.Entry<String, Tensor> e : network.velocities().entrySet()) {
            String name = ModelFiles.MOMENTUM_PREFIX + ModelFiles.fileName(variant, e.getKey());
            TensorData v = contents.tensors().get(name);
            if (v == null) throw new IllegalArgumentException(f.file() + ": checkpoint has no tensor '" + name + "'");
            if (!v.shape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException(f.file() + ": tensor '" + name + "' has shape " + v.shape() + ", expected " + e.getValue().shape());
            }
            network.backend().copyFromHost(e.getValue(), v.data(), 0);
        }
        LearningRateSchedule.State s = new LearningRateSchedule.State(f.integer("state.schedule_epochs"),
                (float) f.decimal("state.schedule_lr"), f.decimal("state.schedule_best_error"),
                f.integer("state.schedule_epochs_without_improvement"), f.integer("state.schedule_reductions"));
        trainer.restore(new Trainer.State(resumeAt.epoch(), f.longInteger("state.step"), s));
    }

    @Override public void close() {
        trainer.close();
        network.close();
        data.close();
    }

    // ---- the Trainer's listener ----------------------------------------------------------------

    /**
     * Turns the Trainer's reports into run state. The Trainer reports the running mean loss of the epoch;
     * the batch loss is recovered exactly as (sum after - sum before) / batch images, since the sums are the
     * Trainer's own double accumulation of float batch losses.
     */
    private final class Adapter implements TrainingListener {
        private double sumBefore;
        private long imagesBefore;
        private int epochSeen = -1;

        @Override public void onProgress(Progress p) {
            if (p.epoch() != epochSeen) {
                epochSeen = p.epoch();
                sumBefore = 0;
                imagesBefore = 0;
                if (current.epoch() != p.epoch()) current = Position.startOf(p.epoch());
            }
            double sum = p.loss() * p.imagesDone();
            long batchImages = p.imagesDone() - imagesBefore;
            listener.onStep(p.step(), (float) ((sum - sumBefore) / batchImages));
            current = new Position(p.epoch(), current.batchesDone() + 1, current.lossSum() + (sum - sumBefore), current.images() + batchImages);
            sumBefore = sum;
            imagesBefore = p.imagesDone();
            listener.onProgress(new Progress(p.epoch(), p.epochs(), p.step(), current.images(), p.imagesTotal(),
                    current.lossSum() / current.images(), p.imagesPerSecond(), p.learningRate()));
            if (checkpointEvery > 0 && p.step() % checkpointEvery == 0) saveCheckpoint(current);
        }

        @Override public void onEpochEnd(EpochResult r) {
            double trainLoss = current.epoch() == r.epoch() && current.images() > 0 ? current.lossSum() / current.images() : r.trainLoss();
            EpochRecord record = new EpochRecord(r.epoch() + 1, r.step(), trainLoss, r.validationLoss(), r.validationTop1Accuracy(),
                    r.validationTop5Accuracy(), r.learningRate(), r.seconds());
            history.add(record);
            current = Position.startOf(r.epoch() + 1);
            epochSeen = -1;
            try {
                MetricsCsv.write(checkpoints.directory().resolve(METRICS_FILE), history);
                CurveChart.write(checkpoints.directory().resolve(CHART_FILE), history);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write metrics in " + checkpoints.directory() + ": " + e.getMessage(), e);
            }
            saveCheckpoint(current);
            listener.onEpoch(record, r.epochs());
        }
    }

    /** The training batches, with the first batches of the resumed epoch left out (they were trained before the checkpoint). */
    private static final class SkipAhead implements BatchSource {
        private final BatchSource source;
        private Position skip;

        SkipAhead(BatchSource source, Position skip) {
            this.source = source;
            this.skip = skip;
        }

        @Override public int imagesPerEpoch() { return source.imagesPerEpoch(); }

        @Override public List<String> classNames() { return source.classNames(); }

        @Override public Iterator<Batch> epoch(int epoch) {
            Iterator<Batch> batches = source.epoch(epoch);
            if (skip != null && skip.epoch() == epoch) {
                for (int i = 0; i < skip.batchesDone() && batches.hasNext(); i++) batches.next();
                skip = null;
            }
            return batches;
        }
    }
}
