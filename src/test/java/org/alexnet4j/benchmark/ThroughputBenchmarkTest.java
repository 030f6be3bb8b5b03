package org.alexnet4j.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.model.AlexNet;
import org.junit.jupiter.api.Test;

/** FLOP counts against the multiply-accumulates published for AlexNet, and one small timed run. */
class ThroughputBenchmarkTest {
    @Test void forwardFlopsMatchThePublishedMultiplyAccumulates() {
        // Published counts: paper (grouped) 724.4M MACs = 1.449 GFLOP, single-tower 1,135.3M MACs = 2.271 GFLOP per image.
        double paper = ThroughputBenchmark.forwardFlopsPerImage(AlexNet.architecture(AlexNet.Config.of(AlexNet.Variant.PAPER)));
        double single = ThroughputBenchmark.forwardFlopsPerImage(AlexNet.architecture(AlexNet.Config.of(AlexNet.Variant.SINGLE_TOWER)));
        assertEquals(724.4e6, paper / 2, 0.05e6);
        assertEquals(1135.3e6, single / 2, 0.05e6);
    }

    @Test void aTrainingStepCostsThreeForwardsLessTheFirstLayersDataGradient() {
        var architecture = AlexNet.architecture(AlexNet.Config.of(AlexNet.Variant.PAPER));
        double conv1 = 2 * 105.4e6; // conv1: 105.4M MACs per image
        assertEquals(3 * ThroughputBenchmark.forwardFlopsPerImage(architecture) - conv1, ThroughputBenchmark.trainFlopsPerImage(architecture), 0.2e6);
    }

    @Test void aSmallRunReportsFiniteThroughput() {
        AlexNet.Config tiny = AlexNet.Config.of(AlexNet.Variant.PAPER).withWidthMultiplier(1.0 / 16).withInputSize(67).withClasses(10);
        try (Backend backend = Backends.create("cpu")) {
            ThroughputBenchmark.Result result = ThroughputBenchmark.run(backend, tiny, ThroughputBenchmark.Mode.TRAIN, ThroughputBenchmark.Placement.DEVICE, 2, 1, 0, 3, 1);
            assertTrue(result.imagesPerSecond() > 0 && Double.isFinite(result.gflopPerSecond()), result.toString());
            assertTrue(Float.isFinite(result.loss()), result.toString());
            assertTrue(result.toJson().startsWith("{\"backend\":\"cpu\""), result.toJson());
            assertFalse(backend.tuning(), "the warm-up goes on until the backend's per-shape choices are made");
        }
    }

    /** Timed replays of the recorded step (op by op on cpu), the batch copied in before each: finite, with the final check's loss. */
    @Test void aReplayedRunReportsFiniteThroughputAndTheCheckedLoss() {
        AlexNet.Config tiny = AlexNet.Config.of(AlexNet.Variant.PAPER).withWidthMultiplier(1.0 / 16).withInputSize(67).withClasses(10);
        try (Backend backend = Backends.create("cpu")) {
            ThroughputBenchmark.Result result = ThroughputBenchmark.run(backend, tiny, ThroughputBenchmark.Mode.TRAIN, ThroughputBenchmark.Placement.HOST,
                    true, 2, 1, 0, 3, 1);
            assertTrue(result.medianImagesPerSecond() > 0 && Float.isFinite(result.loss()), result.toString());
        }
    }
}
