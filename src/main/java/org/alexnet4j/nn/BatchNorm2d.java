package org.alexnet4j.nn;

import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * Spatial batch normalization, as PyTorch's BatchNorm2d: parameters weight (gamma, init 1) and bias
 * (beta, init 0); buffers running_mean (init 0) and running_var (init 1), updated in training forward.
 */
public final class BatchNorm2d extends Layer {
    private final int channels;
    private final BatchNormSpec spec;

    public BatchNorm2d(String name, int channels, BatchNormSpec spec) {
        super(name);
        if (channels < 1) throw new IllegalArgumentException(name + ": channels must be positive, got " + channels);
        this.channels = channels;
        this.spec = spec;
    }

    @Override public Shape outputShape(Shape x) {
        x.requireRank(4, "input (N, C, H, W)");
        if (x.dim(1) != channels) throw new ShapeException("expected input (N, " + channels + ", H, W), got " + x);
        return x;
    }

    @Override public List<ParameterSpec> parameters() {
        return List.of(new ParameterSpec("weight", Shape.of(channels), Init.constant(1)),
                new ParameterSpec("bias", Shape.of(channels), Init.constant(0)));
    }

    @Override public List<ParameterSpec> buffers() {
        return List.of(new ParameterSpec("running_mean", Shape.of(channels), Init.constant(0)),
                new ParameterSpec("running_var", Shape.of(channels), Init.constant(1)));
    }

    /** A training plan also keeps the batch statistics (mean, 1/std) that backward reads. */
    @Override protected Stage stage(Stage.Context context) {
        Backend backend = context.backend();
        Tensor gamma = context.parameter("weight"), beta = context.parameter("bias");
        Tensor runningMean = context.buffer("running_mean"), runningVar = context.buffer("running_var");
        BatchTensor output = context.activation(context.input());
        boolean trains = context.training();
        Tensor gammaGradient = trains ? context.gradient("weight") : null, betaGradient = trains ? context.gradient("bias") : null;
        BatchTensor statistics = trains ? context.activation(Shape.of(2, channels)) : null; // rows: the batch's mean, 1/std
        return new Stage() {
            private Tensor input;

            @Override public Tensor forward(Tensor x, boolean training, long seed) {
                Tensor y = output.batch(x.shape().dim(0));
                input = x;
                if (training) backend.batchNormForwardTraining(y, saved(0), saved(1), runningMean, runningVar, x, gamma, beta, spec);
                else backend.batchNormForwardInference(y, x, gamma, beta, runningMean, runningVar, spec);
                return y;
            }

            @Override public Tensor backward(Tensor dy, Tensor dx) {
                backend.batchNormBackward(dx, gammaGradient, betaGradient, dy, input, gamma, saved(0), saved(1), spec);
                return dx;
            }

            /** Row {@code row} of the saved statistics, as a (C) tensor. */
            private Tensor saved(int row) { return statistics.batch(2).view(row * channels, Shape.of(channels)); }
        };
    }
}
