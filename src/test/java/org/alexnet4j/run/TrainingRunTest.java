// A resumed run repeats the uninterrupted one exactly: same per-step losses, same final weights.
package org.alexnet4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.ImageReading;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.train.Sgd;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TrainingRunTest {
    /** 24 training images in batches of 4: 6 steps per epoch, 12 in two epochs; the stop falls mid-epoch 2. */
    private static final int EPOCHS = 2, STOP_AFTER_STEP = 8, CHECKPOINT_EVERY = 4;

    /**
     * Two worker threads, so the cpu backend splits batches over workers (backward-filter sums per-worker
     * accumulators): results must still be bit-identical from run to run, or no resume could repeat them.
     */
    private static final BackendOptions TWO_THREADS = BackendOptions.defaults().withThreads(2);

    static Stream<String> hostBackends() {
        return Backends.available().stream().filter(name -> name.equals("reference") || name.equals("cpu"));
    }

    static TrainSettings settings() {
        AlexNet.Config model = AlexNet.Config.of(AlexNet.Variant.PAPER).withInputSize(67).withWidthMultiplier(0.0625).withClasses(10)
                .withWeightInit(AlexNet.WeightInit.HE).withPositiveBias(0);
        return new TrainSettings(new TrainSettings.DataChoice.Synthetic(24, 8, 72), 72, Normalization.MEAN_IMAGE, model, EPOCHS, 4,
                new Sgd(0.02f, 0.9f, 5e-4f), new TrainSettings.ScheduleChoice("step", 2, 1, 0, 0, 0), 7, 2);
    }

    /** Records every step's loss; optionally stops the run right after the checkpoint of one step is written. */
    private static final class Recorder implements TrainingRun.Listener {
        final List<Float> losses = new ArrayList<>();
        final long stopAfterCheckpointOf;

        Recorder(long stopAfterCheckpointOf) { this.stopAfterCheckpointOf = stopAfterCheckpointOf; }

        @Override public void onStep(long step, float loss) {
            assertEquals(losses.size() + 1, step, "steps are numbered 1, 2, ... over the run");
            losses.add(loss);
        }

        @Override public void onCheckpoint(Path file) {
            if (CheckpointDirectory.step(file).orElseThrow() == stopAfterCheckpointOf) throw new Interrupted();
        }
    }

    private static final class Interrupted extends RuntimeException {}

    private float[] lastWeights;

    /** The per-step losses of an uninterrupted run in {@code dir}; its final fc7.weight goes to lastWeights. */
    private List<Float> uninterruptedLosses(String backendName, Path dir) throws Exception {
        try (Backend backend = Backends.create(backendName, TWO_THREADS);
             TrainingRun run = TrainingRun.start(settings(), null, backend, dir, 100, CHECKPOINT_EVERY)) {
            Recorder recorder = new Recorder(-1);
            run.run(recorder);
            lastWeights = run.network().read("fc7.weight");
            return recorder.losses;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostBackends")
    void resumedRunRepeatsTheUninterruptedRunStepForStep(String backendName, @TempDir Path dir) throws Exception {
        List<Float> uninterrupted = uninterruptedLosses(backendName, dir.resolve("a"));
        float[] uninterruptedWeights = lastWeights;
        assertEquals(12, uninterrupted.size());
        if (!backendName.equals("reference")) {
            List<Float> again = uninterruptedLosses(backendName, dir.resolve("a2"));
            assertEquals(uninterrupted, again, backendName + " must be bit-reproducible from run to run");
        }

        List<Float> resumed = new ArrayList<>();
        Path runDir = dir.resolve("b");
        try (Backend backend = Backends.create(backendName, TWO_THREADS);
             TrainingRun run = TrainingRun.start(settings(), null, backend, runDir, 100, CHECKPOINT_EVERY)) {
            Recorder recorder = new Recorder(STOP_AFTER_STEP);
            assertThrows(Interrupted.class, () -> run.run(recorder));
            resumed.addAll(recorder.losses);
        }
        assertEquals(STOP_AFTER_STEP, resumed.size());
        Path checkpoint = new CheckpointDirectory(runDir, 100).pathFor(STOP_AFTER_STEP);
        float[] resumedWeights;
        try (Backend backend = Backends.create(backendName, TWO_THREADS);
             TrainingRun run = TrainingRun.resume(checkpoint, null, null, backend, 100, CHECKPOINT_EVERY, ImageReading.DEFAULT)) {
            assertEquals(1, run.history().size(), "the checkpoint remembers epoch 1");
            List<EpochRecord> history = run.run(new TrainingRun.Listener() {
                @Override public void onStep(long step, float loss) {
                    assertEquals(resumed.size() + 1, step, "the resumed run continues the step count");
                    resumed.add(loss);
                }
            });
            assertEquals(EPOCHS, history.size());
            resumedWeights = run.network().read("fc7.weight");
        }
        assertEquals(uninterrupted, resumed, "per-step losses of the uninterrupted and the resumed run");
        assertArrayEquals(uninterruptedWeights, resumedWeights, "fc7.weight after the last step");
        assertTrue(Files.isRegularFile(runDir.resolve(TrainingRun.WEIGHTS_FILE)));
        assertEquals(Files.readString(dir.resolve("a").resolve(TrainingRun.METRICS_FILE)).lines().count(),
                Files.readString(runDir.resolve(TrainingRun.METRICS_FILE)).lines().count());
    }
}
