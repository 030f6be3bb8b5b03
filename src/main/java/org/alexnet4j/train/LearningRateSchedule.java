package org.alexnet4j.train;

/**
 * The learning rate over a run, updated once per epoch from the validation error. Its whole state is
 * one {@link State} record, so a checkpoint can save it and a resumed run restore it.
 */
public interface LearningRateSchedule {
    /** The learning rate for the next epoch. */
    float learningRate();

    /** Records the end of an epoch with its validation top-1 error in [0, 1] (the training loss when there is no validation set). */
    void epochEnded(double validationError);

    State state();

    void restore(State state);

    /**
     * Everything a schedule remembers: epochs seen, the current rate, the best error so far, epochs since
     * it improved, and reductions made. Schedules that need less ignore the rest.
     */
    record State(int epochs, float learningRate, double bestError, int epochsWithoutImprovement, int reductions) {
        static State start(float learningRate) { return new State(0, learningRate, Double.POSITIVE_INFINITY, 0, 0); }

        public State withEpochs(int epochs) { return new State(epochs, learningRate, bestError, epochsWithoutImprovement, reductions); }
    }

    /** The same rate throughout. */
    static LearningRateSchedule constant(float learningRate) { return new StepSchedule(learningRate, 1, Integer.MAX_VALUE); }

    /** The rate divided by {@code gamma} every {@code everyEpochs} epochs. */
    static LearningRateSchedule step(float learningRate, float gamma, int everyEpochs) { return new StepSchedule(learningRate, gamma, everyEpochs); }

    /**
     * The paper's schedule: divide by 10 when the validation error has not improved for more than
     * {@code patience} epochs, never below {@code minimum} and at most {@code maxReductions} times.
     */
    static LearningRateSchedule plateau(float learningRate, int patience, float minimum, int maxReductions) {
        return new PlateauSchedule(learningRate, patience, minimum, maxReductions);
    }

    /**
     * rate / divisor computed on the rate's shortest decimal form, so that 0.01 / 10 is exactly the float
     * nearest 0.001 (float division would give 9.999999E-4).
     */
    static float divide(float rate, double divisor) { return (float) (Double.parseDouble(Float.toString(rate)) / divisor); }

    static void requirePositive(float learningRate) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) throw new IllegalArgumentException("learning rate must be finite and > 0, got " + learningRate);
    }
}
