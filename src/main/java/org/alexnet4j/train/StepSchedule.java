package org.alexnet4j.train;

/** Learning rate initial / gamma^floor(epochs / everyEpochs); gamma 1 is a constant rate. */
final class StepSchedule implements LearningRateSchedule {
    private final float initial, gamma;
    private final int everyEpochs;
    private int epochs;

    StepSchedule(float initial, float gamma, int everyEpochs) {
        LearningRateSchedule.requirePositive(initial);
        if (!(gamma >= 1) || !Float.isFinite(gamma)) throw new IllegalArgumentException("step schedule gamma must be >= 1 (the rate is divided by it), got " + gamma);
        if (everyEpochs < 1) throw new IllegalArgumentException("step schedule period must be >= 1 epoch, got " + everyEpochs);
        this.initial = initial;
        this.gamma = gamma;
        this.everyEpochs = everyEpochs;
    }

    @Override public float learningRate() { return LearningRateSchedule.divide(initial, Math.pow(gamma, epochs / everyEpochs)); }

    @Override public void epochEnded(double validationError) { epochs++; }

    @Override public State state() { return new State(epochs, learningRate(), Double.POSITIVE_INFINITY, 0, epochs / everyEpochs); }

    @Override public void restore(State state) { epochs = state.epochs(); }
}
