// A run directory belongs to one run: checkpoints that contradict themselves, come from another run, or end a finished run are refused; stop() leaves a resumable checkpoint.
package org.alexnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.ImageReading;
import org.alexnet4j.io.CheckpointFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    @TempDir Path dir;

    /** Trains the tiny run of {@link TrainingRunTest} (2 epochs of 6 steps) in {@code runDir}; returns its per-step losses. */
    private static List<Float> train(Path runDir, long stopAtStep) throws Exception {
        List<Float> losses = new ArrayList<>();
        try (Backend backend = Backends.create("reference");
             TrainingRun run = TrainingRun.start(TrainingRunTest.settings(), null, backend, runDir, 100, 0)) {
            run.run(new TrainingRun.Listener() {
                @Override public void onStep(long step, float loss) {
                    losses.add(loss);
                    if (step == stopAtStep) run.stop();
                }
            });
            assertEquals(stopAtStep > 0, run.stopped());
        }
        return losses;
    }

    private static Path newest(Path runDir) throws Exception { return new CheckpointDirectory(runDir, 1).latest().orElseThrow(); }

    private static IllegalArgumentException resumeFails(Path checkpoint, Integer epochs) {
        return assertThrows(IllegalArgumentException.class, () -> {
            try (Backend backend = Backends.create("reference"); TrainingRun run = TrainingRun.resume(checkpoint, epochs, null, backend, null, null, ImageReading.DEFAULT)) {
                run.history();
            }
        });
    }

    /** Rewrites a checkpoint with one metadata entry changed, and a valid checksum: only a consistency check can find it. */
    private static void rewrite(Path checkpoint, String key, String value) throws Exception {
        CheckpointFile.Contents c = CheckpointFile.read(checkpoint);
        Map<String, String> metadata = new LinkedHashMap<>(c.metadata());
        metadata.put(key, value);
        CheckpointFile.write(checkpoint, c.tensors(), metadata);
    }

    @Test void stopEndsTheRunAtAStepBoundaryWithACheckpointThatResumesExactly() throws Exception {
        List<Float> uninterrupted = train(dir.resolve("a"), -1);
        Path runDir = dir.resolve("b");
        List<Float> resumed = train(runDir, 3);
        assertEquals(3, resumed.size(), "stopped right after step 3");
        assertEquals(new CheckpointDirectory(runDir, 1).pathFor(3), newest(runDir), "the stop saved step 3");
        assertFalse(Files.exists(runDir.resolve(TrainingRun.WEIGHTS_FILE)), "a stopped run writes no final weights");
        try (Backend backend = Backends.create("reference"); TrainingRun run = TrainingRun.resume(newest(runDir), null, null, backend, null, null, ImageReading.DEFAULT)) {
            assertEquals(3, run.position().batch(), "resumes at batch 3 (0-based) of the first epoch");
            run.run(new TrainingRun.Listener() {
                @Override public void onStep(long step, float loss) { resumed.add(loss); }
            });
            assertFalse(run.stopped());
        }
        assertEquals(uninterrupted, resumed);
        assertTrue(Files.exists(runDir.resolve(TrainingRun.WEIGHTS_FILE)));
    }

    @Test void aCheckpointWhoseMetadataContradictsItselfIsRefused() throws Exception {
        Path runDir = dir.resolve("run");
        train(runDir, 7); // epoch 1 done, one step into epoch 2
        Path checkpoint = newest(runDir);
        rewrite(checkpoint, "state.epoch", "-5");
        assertTrue(resumeFails(checkpoint, null).getMessage().endsWith("metadata 'state.epoch' is '-5', expected an integer >= 0"));
        rewrite(checkpoint, "state.epoch", "0");
        assertTrue(resumeFails(checkpoint, null).getMessage().endsWith("metadata 'state.epoch' is 0 but the history holds 1 epochs"));
        rewrite(checkpoint, "state.epoch", "1");
        rewrite(checkpoint, "state.step", "9");
        assertTrue(resumeFails(checkpoint, null).getMessage()
                .endsWith("metadata 'state.step' is 9 but the history ends at step 6 and the epoch has done 1 batches"));
        rewrite(checkpoint, "state.step", "7");
        rewrite(checkpoint, "model.width_multiplier", "0.125");
        assertTrue(resumeFails(checkpoint, null).getMessage().contains("tensor 'conv1.weight' has shape"), "the tensors disagree with the stored model");
    }

    @Test void aCheckpointOfAnotherRunInARunDirectoryIsRefused() throws Exception {
        Path mine = dir.resolve("mine"), other = dir.resolve("other");
        train(mine, 2);
        train(other, 5);
        Path foreign = mine.resolve(newest(other).getFileName());
        Files.copy(newest(other), foreign);
        assertEquals(foreign, newest(mine), "the foreign checkpoint is the directory's newest");
        String message = resumeFails(foreign, null).getMessage();
        assertTrue(message.contains("belongs to run") && message.contains(mine + " holds run"), message);

        Path copy = dir.resolve("copy"); // a checkpoint copied into an empty directory starts a branch of its run there
        Files.createDirectories(copy);
        Files.copy(newest(other), copy.resolve(newest(other).getFileName()));
        try (Backend backend = Backends.create("reference"); TrainingRun run = TrainingRun.resume(newest(copy), null, null, backend, null, null, ImageReading.DEFAULT)) {
            assertEquals(Files.readString(other.resolve(TrainingRun.RUN_ID_FILE)), Files.readString(copy.resolve(TrainingRun.RUN_ID_FILE)));
        }
        assertThrows(IllegalArgumentException.class, () -> train(mine, 1), "a new run may not start in a directory that holds one");
    }

    @Test void aFinishedRunIsRefusedUnlessMoreEpochsAreAskedFor() throws Exception {
        Path runDir = dir.resolve("run");
        train(runDir, -1);
        String message = resumeFails(newest(runDir), null).getMessage();
        assertTrue(message.endsWith("has finished all 2 of its epochs; to train it further, ask for more than 2 epochs"), message);
        assertTrue(resumeFails(newest(runDir), 1).getMessage().equals("epochs must be more than the 2 the run has done, got 1"));
        try (Backend backend = Backends.create("reference"); TrainingRun run = TrainingRun.resume(newest(runDir), 3, null, backend, null, null, ImageReading.DEFAULT)) {
            assertEquals(3, run.settings().epochs());
            assertEquals(2, run.position().epoch());
        }
    }

    @Test void temporaryFilesOfInterruptedSavesAreRemovedWhenARunStartsOrResumes() throws Exception {
        Path runDir = dir.resolve("run");
        Files.createDirectories(runDir);
        Path staleCheckpoint = Files.writeString(runDir.resolve(".checkpoint-s000000004.safetensors.1f2e3d.tmp"), "partial");
        Path staleMetrics = Files.writeString(runDir.resolve(".metrics.csv.ab.tmp"), "partial");
        Path notOurs = Files.writeString(runDir.resolve(".notes.txt.ab.tmp"), "the user's");
        train(runDir, 2);
        assertFalse(Files.exists(staleCheckpoint));
        assertFalse(Files.exists(staleMetrics));
        assertTrue(Files.exists(notOurs));
        Path again = Files.writeString(runDir.resolve(".checkpoint-s000000009.safetensors.77.tmp"), "partial");
        try (Backend backend = Backends.create("reference"); TrainingRun run = TrainingRun.resume(newest(runDir), null, null, backend, null, null, ImageReading.DEFAULT)) {
            assertFalse(Files.exists(again));
        }
    }

    @Test void runDirectoriesAreUniqueAndLatestFollowsTheNewestRun() throws Exception {
        Path runs = dir.resolve("runs");
        Path first = RunDirectories.create(runs), second = RunDirectories.create(runs); // same second, almost surely
        assertNotEquals(first, second);
        assertTrue(Files.isDirectory(first) && Files.isDirectory(second));
        assertEquals(java.util.Optional.empty(), RunDirectories.mostRecentlyTrained(runs), "no run has a checkpoint yet");
        Files.delete(first);
        Files.delete(second);
        Path older = RunDirectories.create(runs);
        train(older, 2);
        Path newer = RunDirectories.create(runs);
        train(newer, 2);
        RunDirectories.linkLatest(runs, newer);
        RunDirectories.linkLatest(runs, older); // an older run's checkpoint does not take the link
        assertEquals(newer.getFileName(), Files.readSymbolicLink(runs.resolve(RunDirectories.LATEST)));
        Files.setLastModifiedTime(newest(older), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertEquals(older, RunDirectories.mostRecentlyTrained(runs).orElseThrow(), "the run trained last, whatever its name");
    }
}
