package org.alexnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Constant, step and plateau schedules: the rate after each epoch, and state export/restore. */
class LearningRateScheduleTest {
    /** The rate in force for each epoch when the epochs end with the given validation errors. */
    private static List<Float> rates(LearningRateSchedule schedule, double... errors) {
        List<Float> rates = new ArrayList<>();
        for (double e : errors) {
            rates.add(schedule.learningRate());
            schedule.epochEnded(e);
        }
        rates.add(schedule.learningRate());
        return rates;
    }

    @Test void plateauDividesBy10AfterMoreThanPatienceEpochsWithoutImprovement() {
        // patience 1: the 2nd epoch in a row without a new best triggers a reduction, and the count restarts.
        assertEquals(List.of(0.01f, 0.01f, 0.01f, 0.01f, 0.001f, 0.001f, 0.001f, 0.001f, 0.0001f),
                rates(LearningRateSchedule.plateau(0.01f, 1, 0, 10), 0.5, 0.4, 0.45, 0.41, 0.4, 0.39, 0.39, 0.39));
    }

    @Test void plateauWithPatienceZeroReducesOnTheFirstEpochWithoutImprovement() {
        assertEquals(List.of(0.1f, 0.1f, 0.01f, 0.01f), rates(LearningRateSchedule.plateau(0.1f, 0, 0, 10), 0.5, 0.5, 0.4));
    }

    @Test void plateauStopsAtTheMinimumAndAfterTheMaximumNumberOfReductions() {
        assertEquals(List.of(1f, 1f, 0.1f, 0.05f, 0.05f), rates(LearningRateSchedule.plateau(1f, 0, 0.05f, 10), 0.5, 0.6, 0.6, 0.6));
        LearningRateSchedule capped = LearningRateSchedule.plateau(1f, 0, 0, 3);
        assertEquals(List.of(1f, 1f, 0.1f, 0.01f, 0.001f, 0.001f, 0.001f), rates(capped, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5));
        assertEquals(3, capped.state().reductions());
    }

    @Test void plateauStateRestoresTheSameContinuation() {
        LearningRateSchedule original = LearningRateSchedule.plateau(0.01f, 1, 0, 10);
        rates(original, 0.5, 0.6);
        LearningRateSchedule.State saved = original.state();
        assertEquals(new LearningRateSchedule.State(2, 0.01f, 0.5, 1, 0), saved);
        LearningRateSchedule restored = LearningRateSchedule.plateau(0.01f, 1, 0, 10);
        restored.restore(saved);
        assertEquals(rates(original, 0.6, 0.3, 0.4), rates(restored, 0.6, 0.3, 0.4));
    }

    @Test void stepDividesByGammaEveryKEpochsAndConstantNeverChanges() {
        assertEquals(List.of(0.1f, 0.1f, 0.05f, 0.05f, 0.025f), rates(LearningRateSchedule.step(0.1f, 2, 2), 0, 0, 0, 0));
        assertEquals(List.of(0.1f, 0.1f, 0.1f), rates(LearningRateSchedule.constant(0.1f), 0.9, 0.9));
        LearningRateSchedule resumed = LearningRateSchedule.step(0.1f, 2, 2);
        resumed.restore(new LearningRateSchedule.State(4, 0, 0, 0, 0));
        assertEquals(0.025f, resumed.learningRate());
    }

    @Test void invalidSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.plateau(0, 1, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(0.1f, 0.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.plateau(0.1f, -1, 0, 3));
    }
}
