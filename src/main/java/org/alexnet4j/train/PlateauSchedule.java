package org.alexnet4j.train;

/**
 * Divide-by-10-on-plateau (the paper's rule): an epoch improves when its validation error is below the
 * best so far; after more than {@code patience} epochs in a row without improvement (PyTorch's
 * ReduceLROnPlateau meaning of patience) the rate is divided by 10, clamped at {@code minimum}, at most
 * {@code maxReductions} times, and the count starts again.
 */
final class PlateauSchedule implements LearningRateSchedule {
    static final float FACTOR = 10;
    private final int patience, maxReductions;
    private final float minimum;
    private State state;

    PlateauSchedule(float learningRate, int patience, float minimum, int maxReductions) {
        LearningRateSchedule.requirePositive(learningRate);
        if (patience < 0) throw new IllegalArgumentException("plateau patience must be >= 0 epochs, got " + patience);
        if (!(minimum >= 0)) throw new IllegalArgumentException("minimum learning rate must be >= 0, got " + minimum);
        if (maxReductions < 0) throw new IllegalArgumentException("maximum number of reductions must be >= 0, got " + maxReductions);
        this.patience = patience;
        this.minimum = minimum;
        this.maxReductions = maxReductions;
        this.state = State.start(learningRate);
    }

    @Override public float learningRate() { return state.learningRate(); }

    @Override public void epochEnded(double validationError) {
        int epochs = state.epochs() + 1;
        float rate = state.learningRate();
        int reductions = state.reductions();
        if (validationError < state.bestError()) {
            state = new State(epochs, rate, validationError, 0, reductions);
            return;
        }
        int without = state.epochsWithoutImprovement() + 1;
        if (without > patience && reductions < maxReductions && rate > minimum) {
            rate = Math.max(LearningRateSchedule.divide(rate, FACTOR), minimum);
            reductions++;
            without = 0;
        }
        state = new State(epochs, rate, state.bestError(), without, reductions);
    }

    @Override public State state() { return state; }

    @Override public void restore(State state) { this.state = state; }
}
