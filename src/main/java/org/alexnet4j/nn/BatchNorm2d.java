package org.alexnet4j.nn;

import java.util.List;
import java.util.Map;
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
    private Tensor gamma, beta, gammaGradient, betaGradient, runningMean, runningVar, savedMean, savedInvStd, input;
    private BatchTensor output;

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

    @Override protected void bind(Backend backend, Map<String, Tensor> parameters, Map<String, Tensor> gradients, Map<String, Tensor> buffers) {
        super.bind(backend, parameters, gradients, buffers);
        gamma = parameters.get("weight");
        beta = parameters.get("bias");
        gammaGradient = gradients.get("weight");
        betaGradient = gradients.get("bias");
        runningMean = buffers.get("running_mean");
        runningVar = buffers.get("running_var");
    }

    @Override protected void allocate(Shape maxInput) {
        output = allocateActivation(maxInput);
        BatchTensor statistics = allocateActivation(Shape.of(2, channels));
        savedMean = statistics.batch(2).view(0, Shape.of(channels));
        savedInvStd = statistics.batch(2).view(channels, Shape.of(channels));
    }

    @Override protected Tensor forward(Tensor x, boolean training, long seed) {
        Tensor y = output.batch(x.shape().dim(0));
        input = x;
        if (training) backend.batchNormForwardTraining(y, savedMean, savedInvStd, runningMean, runningVar, x, gamma, beta, spec);
        else backend.batchNormForwardInference(y, x, gamma, beta, runningMean, runningVar, spec);
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        backend.batchNormBackward(dx, gammaGradient, betaGradient, dy, input, gamma, savedMean, savedInvStd, spec);
        return dx;
    }
}
