package org.alexnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.data.Batch;
import org.alexnet4j.data.BatchSource;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.model.AlexNet.Config;
import org.alexnet4j.model.AlexNet.Variant;
import org.alexnet4j.nn.AdaptiveAvgPool2d;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Conv2d;
import org.alexnet4j.nn.Dropout;
import org.alexnet4j.nn.Flatten;
import org.alexnet4j.nn.Init;
import org.alexnet4j.nn.Linear;
import org.alexnet4j.nn.MaxPool2d;
import org.alexnet4j.nn.ReLU;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The Trainer learns, reports, repeats exactly, resumes exactly, and stops on a diverged loss. */
class TrainerTest {
    private static final int SIDE = 16, EPOCHS = 5;
    private static final float LEARNING_RATE = 0.05f;

    /** A small CNN for 16x16 squares, initialised N(0, 0.3^2) so it learns within a few epochs (paper init stalls at this size). */
    private static Architecture smallNetwork() {
        Init weight = Init.normal(0.3), bias = Init.constant(0);
        return new Architecture(Shape.of(3, SIDE, SIDE), List.of(
                new Conv2d("conv1", 3, 8, 3, 1, 1, 1, true, weight, bias), new ReLU("relu1"), new MaxPool2d("pool1", 3, 2),
                new Conv2d("conv2", 8, 8, 3, 1, 1, 2, true, weight, bias), new ReLU("relu2"),
                new AdaptiveAvgPool2d("avgpool", 1, 1), new Flatten("flatten"), new Dropout("drop", 0.2f),
                new Linear("fc", 8, 3, true, weight, bias)));
    }

    private static BatchSource train() { return new ColouredSquares(96, 16, SIDE, 1); }

    private static BatchSource validation() { return new ColouredSquares(60, 20, SIDE, 2); }

    @Test void learnsColouredSquaresFarAboveChanceAndReportsProgress() {
        List<TrainingListener.Progress> progress = new ArrayList<>();
        List<TrainingListener.EpochResult> ends = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void onProgress(Progress p) { progress.add(p); }

            @Override public void onEpochEnd(EpochResult r) { ends.add(r); }
        };
        try (Backend backend = Backends.create("reference"); Sequential network = new Sequential(backend, smallNetwork(), 1);
             Trainer trainer = new Trainer(network, Sgd.paper(), LearningRateSchedule.constant(LEARNING_RATE), listener)) {
            List<TrainingListener.EpochResult> results = trainer.fit(train(), validation(), EPOCHS);
            TrainingListener.EpochResult last = results.getLast();
            // Chance is 1/3 accuracy and ln 3 = 1.10 loss.
            assertTrue(last.validationTop1Accuracy() > 0.9 && last.validationLoss() < 0.7 && last.trainLoss() < 0.7, results.toString());
            assertEquals(results, ends);
            assertEquals(EPOCHS * 6, progress.size(), "one progress report per batch");
            TrainingListener.Progress first = progress.getFirst(), endOfEpoch = progress.get(5);
            assertEquals(16, first.imagesDone());
            assertEquals(96, endOfEpoch.imagesDone());
            assertEquals(96, endOfEpoch.imagesTotal());
            assertEquals(6, endOfEpoch.step());
            assertEquals(LEARNING_RATE, endOfEpoch.learningRate());
            assertEquals(results.getFirst().trainLoss(), endOfEpoch.loss(), 1e-12);
            assertTrue(endOfEpoch.imagesPerSecond() > 0);
            assertEquals(Trainer.State.startOf(EPOCHS, EPOCHS * 6L, LearningRateSchedule.constant(LEARNING_RATE).state().withEpochs(EPOCHS)), trainer.state());
        }
    }

    @Test void aRunRepeatsExactlyAndAResumedRunEqualsAnUninterruptedOne() {
        List<TrainingListener.EpochResult> straight, again, resumed = new ArrayList<>();
        float[] straightWeights, resumedWeights;
        try (Backend backend = Backends.create("reference")) {
            try (Sequential network = new Sequential(backend, smallNetwork(), 3);
                 Trainer trainer = new Trainer(network, Sgd.paper(), LearningRateSchedule.plateau(LEARNING_RATE, 0, 1e-4f, 3), TrainingListener.SILENT)) {
                straight = trainer.fit(train(), validation(), 4);
                straightWeights = host(backend, network.parameterArena());
            }
            try (Sequential network = new Sequential(backend, smallNetwork(), 3);
                 Trainer trainer = new Trainer(network, Sgd.paper(), LearningRateSchedule.plateau(LEARNING_RATE, 0, 1e-4f, 3), TrainingListener.SILENT)) {
                again = trainer.fit(train(), validation(), 4);
            }
            Trainer.State checkpoint;
            Map<String, float[]> weights;
            float[] velocity;
            try (Sequential network = new Sequential(backend, smallNetwork(), 3);
                 Trainer trainer = new Trainer(network, Sgd.paper(), LearningRateSchedule.plateau(LEARNING_RATE, 0, 1e-4f, 3), TrainingListener.SILENT)) {
                resumed.addAll(trainer.fit(train(), validation(), 2));
                checkpoint = trainer.state();
                weights = new java.util.LinkedHashMap<>();
                for (String name : network.state().keySet()) weights.put(name, network.read(name));
                velocity = host(backend, network.velocityArena());
            }
            try (Sequential network = new Sequential(backend, smallNetwork(), 3);
                 Trainer trainer = new Trainer(network, Sgd.paper(), LearningRateSchedule.plateau(LEARNING_RATE, 0, 1e-4f, 3), TrainingListener.SILENT)) {
                weights.forEach((name, values) -> network.write(name, network.state().get(name).shape(), values));
                backend.copyFromHost(network.velocityArena(), velocity, 0);
                trainer.restore(checkpoint);
                resumed.addAll(trainer.fit(train(), validation(), 4));
                resumedWeights = host(backend, network.parameterArena());
            }
        }
        assertEquals(losses(straight), losses(again));
        assertEquals(losses(straight), losses(resumed));
        assertArrayEquals(straightWeights, resumedWeights);
    }

    @Test void aNonFiniteLossStopsWithTheEpochStepAndAdvice() {
        BatchSource poisoned = new BatchSource() {
            @Override public int imagesPerEpoch() { return 96; }

            @Override public List<String> classNames() { return List.of("red", "green", "blue"); }

            @Override public Iterator<Batch> epoch(int epoch, int firstBatch) {
                Iterator<Batch> clean = train().epoch(epoch, firstBatch);
                return new Iterator<>() {
                    int index;

                    @Override public boolean hasNext() { return clean.hasNext(); }

                    @Override public Batch next() {
                        Batch b = clean.next();
                        if (epoch == 1 && index++ == 2) b.images()[5] = Float.NaN;
                        return b;
                    }
                };
            }
        };
        try (Backend backend = Backends.create("reference"); Sequential network = new Sequential(backend, smallNetwork(), 1);
             Trainer trainer = new Trainer(network, Sgd.paper(), LearningRateSchedule.constant(LEARNING_RATE), TrainingListener.SILENT)) {
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.fit(poisoned, null, 3));
            assertEquals(1, e.epoch());
            assertEquals(9, e.step());
            assertEquals("training loss is NaN at epoch 2, step 9 with learning rate 0.05: the run diverged; try a lower learning rate (e.g. 0.005)", e.getMessage());
        }
        assertTrue(new TrainingDivergedException(0, 1, Float.NaN, 0.02f).getMessage().endsWith("(e.g. 0.002)"), "a tenth of 0.02 in decimal");
    }

    /** Every AlexNet variant, shrunk, trains one epoch through the Trainer and every parameter gets a gradient. */
    @Test void everyAlexNetVariantTrainsAndBackPropagatesToConv1() {
        for (Variant variant : Variant.values()) {
            Config config = Config.of(variant).withClasses(3).withInputSize(67).withWidthMultiplier(1.0 / 16);
            try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, config, 1);
                 Trainer trainer = new Trainer(network, Sgd.paper(), LearningRateSchedule.constant(0.01f), TrainingListener.SILENT)) {
                float[] before = host(backend, network.parameterArena());
                TrainingListener.EpochResult r = trainer.fit(new ColouredSquares(3, 3, 67, 1), null, 1).getFirst();
                assertTrue(Double.isFinite(r.trainLoss()), variant + ": " + r);
                network.gradients().forEach((name, gradient) -> {
                    float[] g = host(backend, gradient);
                    double norm = 0;
                    for (float v : g) norm += (double) v * v;
                    assertTrue(norm > 0, variant + ": " + name + " received no gradient");
                });
                float[] after = host(backend, network.parameterArena());
                int changed = 0;
                for (int i = 0; i < before.length; i++) if (before[i] != after[i]) changed++;
                assertTrue(changed > before.length * 0.9, variant + ": only " + changed + " of " + before.length + " parameters moved");
            }
        }
    }

    private static List<Double> losses(List<TrainingListener.EpochResult> results) {
        return results.stream().flatMap(r -> java.util.stream.Stream.of(r.trainLoss(), r.validationLoss(), (double) r.learningRate())).toList();
    }

    private static float[] host(Backend backend, Tensor t) {
        float[] values = new float[Math.toIntExact(t.size())];
        backend.copyToHost(values, 0, t);
        return values;
    }
}
