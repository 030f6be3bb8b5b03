// The happy path and the failures of train, eval, predict and bench, run in-process on small models.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.alexnet4j.data.SyntheticDataset;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.run.CheckpointDirectory;
import org.alexnet4j.run.EpochRecord;
import org.alexnet4j.run.TrainSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
    /** A model small enough for the reference backend: 16 images of 72 pixels, input 67, width 1/16. */
    private static final String[] TINY = {"--backend", "reference", "--width", "0.0625", "--input", "67", "--synthetic-images", "16",
            "--batch", "8", "--loader-threads", "1"};

    @TempDir static Path dir;
    static Path run;
    static CliRun trained;

    @BeforeAll
    static void trainOneEpoch() {
        run = dir.resolve("run");
        trained = CliRun.of(CliRun.concat(new String[] {"train", "--epochs", "1", "--checkpoint-dir", run.toString(), "--checkpoint-every", "1"}, TINY));
    }

    @Test
    void trainWritesEpochLineCheckpointsMetricsChartAndWeights() throws Exception {
        assertEquals(0, trained.exitCode(), trained.toString());
        assertTrue(trained.out().contains("epoch 1/1  train loss "), trained.toString());
        assertTrue(trained.out().contains("final validation top-1 "), trained.toString());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(2, metrics.size(), metrics.toString());
        assertTrue(metrics.get(1).startsWith("1,2,"), metrics.toString()); // epoch 1 ended after 2 steps
        BufferedImage chart = ImageIO.read(run.resolve("chart.png").toFile());
        assertEquals(1000, chart.getWidth());
        assertEquals(List.of(new CheckpointDirectory(run, 1).pathFor(1), new CheckpointDirectory(run, 1).pathFor(2)),
                new CheckpointDirectory(run, 1).list(), "one checkpoint per step (--checkpoint-every 1), the default --keep 3");
        List<String> names = SafeTensors.read(run.resolve("weights.safetensors")).names();
        assertTrue(names.contains("conv1.weight") && names.contains("fc8.bias") && names.contains("data.mean_image") && names.size() == 17, names.toString());
    }

    @Test
    void resumeContinuesTheRunToMoreEpochs() throws Exception {
        Path copy = dir.resolve("resumed");
        Files.createDirectories(copy);
        Path last = new CheckpointDirectory(run, 1).latest().orElseThrow();
        Files.copy(last, copy.resolve(last.getFileName()));
        CliRun resumed = CliRun.of("train", "--resume", copy.toString(), "--epochs", "2", "--backend", "reference");
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertTrue(resumed.out().contains("resuming from " + copy.resolve(last.getFileName())), resumed.toString());
        assertTrue(resumed.out().contains("epoch 2/2  train loss"), resumed.toString());
        assertTrue(!resumed.out().contains("epoch 1/2  train loss"), "epoch 1 was done before the checkpoint: " + resumed);
        assertEquals(3, Files.readAllLines(copy.resolve("metrics.csv")).size());
    }

    @Test
    void resumeAcceptsTheSameCommandLineAndKeepsTheCheckpointInterval() throws Exception {
        Path again = dir.resolve("again");
        Files.createDirectories(again);
        try (var files = Files.list(run)) {
            for (Path f : files.toList()) Files.copy(f, again.resolve(f.getFileName()));
        }
        // The first run's command line with --resume added, and more epochs; --checkpoint-every 1 left out.
        CliRun r = CliRun.of(CliRun.concat(new String[] {"train", "--epochs", "2", "--checkpoint-dir", again.toString(), "--resume", again.toString()}, TINY));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("(epoch 2/2, batch 0, step 2)"), r.toString());
        assertEquals(List.of(3L, 4L), new CheckpointDirectory(again, 1).list().stream()
                .map(p -> Long.parseLong(p.getFileName().toString().replaceAll("\\D", ""))).filter(step -> step > 2).toList(),
                "--checkpoint-every 1 survives the resume: a checkpoint after steps 3 and 4");
    }

    @Test
    void resumeRefusesSettingsThatDifferFromTheCheckpointNamingBothValues() {
        CliRun r = CliRun.of("train", "--resume", run.toString(), "--epochs", "2", "--lr", "0.5", "--seed", "3", "--batch", "8", "--width", "0.0625");
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.toString());
        assertEquals("alexnet4j train: error: --resume continues the checkpoint's run; these settings differ from it: "
                + "--lr 0.5 (the checkpoint has 0.01), --seed 3 (the checkpoint has 1)", r.err().strip());
    }

    @Test
    void resumeOfAFinishedRunAsksForMoreEpochs() throws Exception {
        CliRun r = CliRun.of("train", "--resume", run.toString(), "--backend", "reference");
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.toString());
        assertEquals("alexnet4j train: error: the run of " + new CheckpointDirectory(run, 1).latest().orElseThrow()
                + " has finished all 1 of its epochs; to train it further, give --epochs 2 or more", r.err().strip());
    }

    @Test
    void settingsRefusedByTheLibraryAreNamedAsOptions() {
        CliRun momentum = CliRun.of(CliRun.concat(new String[] {"train", "--momentum", "1.5", "--checkpoint-dir", dir.resolve("m").toString()}, TINY));
        assertEquals(Main.EXIT_USAGE, momentum.exitCode(), momentum.toString());
        assertTrue(momentum.err().startsWith("alexnet4j train: --momentum must be in [0, 1), got 1.5\n"), momentum.toString());
        CliRun keep = CliRun.of("train", "--resume", run.toString(), "--keep", "0");
        assertEquals(Main.EXIT_USAGE, keep.exitCode(), keep.toString());
        assertTrue(keep.err().startsWith("alexnet4j train: --keep must be >= 1, got 0\n"), "checked with --resume too: " + keep);
    }

    @Test
    void anImageFolderTrainsWithHeInitByDefault() throws Exception {
        Path photos = dir.resolve("photos");
        SyntheticDataset shapes = new SyntheticDataset(TrainSettings.DataChoice.Synthetic.DATA_SEED, 24, 72);
        for (int i = 0; i < shapes.size(); i++) {
            Path file = photos.resolve(shapes.classNames().get(shapes.label(i))).resolve(i + ".png");
            Files.createDirectories(file.getParent());
            ImageIO.write(Images.toBufferedImage(shapes.image(i)), "png", file.toFile());
        }
        CliRun r = CliRun.of("train", "--data", photos.toString(), "--epochs", "1", "--width", "0.0625", "--input", "67", "--batch", "4",
                "--val-fraction", "0.3", "--backend", "reference", "--loader-threads", "1", "--checkpoint-dir", dir.resolve("photos-run").toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains(" parameters, he init;"), r.toString());
    }

    @Test
    void aLossStuckAtChanceForTwoEpochsNamesTheFlagToChange() {
        // The paper's init at width 1/16: the loss stays at ln(10) and all 10 validation images get one class (10%).
        CliRun r = CliRun.of("train", "--init", "paper", "--epochs", "2", "--synthetic-images", "40", "--backend", "reference", "--width", "0.0625",
                "--input", "67", "--batch", "8", "--loader-threads", "1", "--checkpoint-dir", dir.resolve("stuck").toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("warning: after epochs 1 and 2 the training loss (") && r.out().contains(") is still at chance level "
                + "(ln(10) = 2.3026), and so is the validation top-1 (10.00%): the model is not learning; try --init he"), r.toString());
        EpochRecord learning = new EpochRecord(1, 10, 2.30, 2.2, 0.17, 0.5, 0.01, 1), stuck = new EpochRecord(1, 10, 2.30, 2.3, 0.12, 0.5, 0.01, 1);
        assertTrue(TrainCommand.StalledLoss.atChance(stuck, 10) && !TrainCommand.StalledLoss.atChance(learning, 10));
        assertTrue(!TrainCommand.StalledLoss.atChance(new EpochRecord(1, 10, 2.2, 2.2, 0.1, 0.5, 0.01, 1), 10), "the loss is falling");
        assertTrue(TrainCommand.StalledLoss.advice(stuck, 10, org.alexnet4j.model.AlexNet.WeightInit.HE, 0.01f).endsWith("try another --lr (now 0.01; try 0.001 or 0.03)"));
        assertTrue(!trained.out().contains("warning:"), "one epoch at chance is no warning: " + trained);
    }

    @Test
    void trainOnAMissingFolderFailsWithOneLine() {
        CliRun r = CliRun.of("train", "--data", dir.resolve("no-such-folder").toString(), "--backend", "reference");
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
        assertTrue(r.err().contains("no-such-folder"), r.toString());
    }

    @Test
    void evalPrintsAccuracyPerClassAndConfusion() {
        CliRun r = CliRun.of("eval", "--weights", run.resolve("weights.safetensors").toString(), "--synthetic", "20", "--ten-crop",
                "--per-class", "--confusion", "--backend", "reference");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("on 20 images (ten crops): top-1 accuracy "), r.toString());
        for (String name : SyntheticDataset.CLASS_NAMES) assertTrue(r.out().contains("  " + name), r.toString());
        assertTrue(r.out().contains("confusion matrix"), r.toString());
    }

    @Test
    void evalRefusesADamagedCheckpoint() throws Exception {
        Path damaged = dir.resolve("damaged.safetensors");
        byte[] bytes = Files.readAllBytes(new CheckpointDirectory(run, 1).latest().orElseThrow());
        bytes[bytes.length / 2] ^= 1;
        Files.write(damaged, bytes);
        CliRun r = CliRun.of("eval", "--checkpoint", damaged.toString(), "--synthetic", "--backend", "reference");
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("alexnet4j eval: error: checkpoint " + damaged + " is damaged"), r.toString());
    }

    @Test
    void predictPrintsTopFiveWithProbabilitiesAndLabelsFromAFile() throws Exception {
        Path image = dir.resolve("shape.png");
        ImageIO.write(Images.toBufferedImage(new SyntheticDataset(TrainSettings.DataChoice.Synthetic.DATA_SEED, 3, 90).image(2)), "png", image.toFile());
        Path labels = dir.resolve("labels.txt");
        Files.writeString(labels, String.join("\n", List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9")) + "\n");
        CliRun r = CliRun.of("predict", "--weights", run.resolve("weights.safetensors").toString(), "--labels", labels.toString(),
                "--backend", "reference", image.toString(), image.toString());
        assertEquals(0, r.exitCode(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(12, lines.size(), r.toString());
        assertEquals(image + ":", lines.getFirst());
        double previous = 101;
        for (String line : lines.subList(1, 6)) {
            assertTrue(line.matches(" +\\d+\\.\\d{4}%  a\\d"), line);
            double percent = Double.parseDouble(line.strip().split("%")[0]);
            assertTrue(percent <= previous, "most probable first: " + r.out());
            previous = percent;
        }
    }

    @Test
    void predictNamesAnUnreadableImage() throws Exception {
        Path notImage = Files.writeString(dir.resolve("notes.png"), "not a png");
        CliRun r = CliRun.of("predict", "--weights", run.resolve("weights.safetensors").toString(), "--backend", "reference", notImage.toString());
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("alexnet4j predict: error: " + notImage), r.toString());
    }

    @Test
    void benchGivesOneJsonLinePerBatchModeAndPlacementInThatOrder() {
        CliRun r = CliRun.of("bench", "--backend", "reference", "--variant", "torchvision", "--width", "0.0625", "--input", "63",
                "--batch", "2,3", "--mode", "forward,train", "--data", "device,host", "--warmup", "1", "--warmup-seconds", "0",
                "--iterations", "2", "--json");
        assertEquals(0, r.exitCode(), r.toString());
        List<String> json = r.out().lines().filter(line -> line.startsWith("{")).toList();
        String[][] expected = {{"2", "forward", "device"}, {"2", "forward", "host"}, {"2", "train", "device"}, {"2", "train", "host"},
                {"3", "forward", "device"}, {"3", "forward", "host"}, {"3", "train", "device"}, {"3", "train", "host"}};
        assertEquals(expected.length, json.size(), r.toString());
        for (int i = 0; i < expected.length; i++) {
            assertTrue(json.get(i).matches("\\{\"backend\":\"reference\",\"variant\":\"torchvision\",\"batch\":" + expected[i][0]
                    + ",\"mode\":\"" + expected[i][1]
                    + "\",\"data\":\"" + expected[i][2] + "\",\"precision\":\"fp32\",\"graph\":false,\"device\":0,.*\"img_per_s\":[0-9.]+,"
                    + "\"median_step_ms\":[0-9.]+,\"img_per_s_median\":[0-9.]+,\"gflop_per_s\":[0-9.]+}"), json.get(i));
        }
    }

    @Test
    void aPrecisionOrDeviceTheBackendLacksIsRefusedInOneLine() {
        CliRun r = CliRun.of("bench", "--backend", "reference", "--precision", "bf16");
        assertEquals(Main.EXIT_FAILURE, r.exitCode(), r.toString());
        assertEquals("alexnet4j bench: error: backend 'reference' cannot compute in bf16; it supports fp32", r.err().strip(), r.toString());
        CliRun device = CliRun.of("bench", "--backend", "cpu", "--device", "1");
        assertEquals(Main.EXIT_FAILURE, device.exitCode(), device.toString());
        assertEquals("alexnet4j bench: error: backend 'cpu' has no device 1 (devices here: 1)", device.err().strip(), device.toString());
        CliRun unknown = CliRun.of("bench", "--precision", "fp8");
        assertEquals(Main.EXIT_USAGE, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("unknown precision 'fp8'; known: fp32, tf32, bf16, fp16"), unknown.toString());
    }

    @Test
    void benchRejectsAnUnknownMode() {
        CliRun r = CliRun.of("bench", "--mode", "sideways");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--mode"), r.toString());
    }
}
