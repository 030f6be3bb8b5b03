package org.alexnet4j.nn;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * 2-D convolution with square kernel, stride, zero padding, groups and an optional bias. x: (N, C, H, W) -> y: (N, K, P, Q).
 * A plan fuses the ReLU after it into its forward ({@link Backend#conv2dReluForward}).
 */
public final class Conv2d extends WeightedLayer {
    private final int inChannels;
    private final ConvSpec spec;

    public Conv2d(String name, int inChannels, int outChannels, int kernel, int stride, int padding, int groups, boolean hasBias,
                  Init weightInit, Init biasInit) {
        if (inChannels < 1 || outChannels < 1 || kernel < 1) throw new IllegalArgumentException(name + ": channels and kernel must be positive");
        ConvSpec spec = ConvSpec.of(stride, padding, groups);
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(name + ": channels " + inChannels + " -> " + outChannels + " must both divide by groups=" + groups);
        }
        super(name, Shape.of(outChannels, inChannels / groups, kernel, kernel), hasBias, weightInit, biasInit);
        this.inChannels = inChannels;
        this.spec = spec;
    }

    public ConvSpec spec() { return spec; }

    @Override public Shape outputShape(Shape x) {
        x.requireRank(4, "input (N, C, H, W)");
        if (x.dim(1) != inChannels) throw new ShapeException("expected input (N, " + inChannels + ", H, W), got " + x);
        return spec.outputShape(x, weightShape());
    }

    @Override protected boolean appliesFollowingRelu() { return true; }

    @Override protected void forward(Backend backend, Tensor y, Tensor x, Tensor w, Tensor bias, boolean relu) {
        if (relu) backend.conv2dReluForward(y, x, w, bias, spec);
        else backend.conv2dForward(y, x, w, bias, spec);
    }

    @Override protected void accumulateWeightGradient(Backend backend, Tensor dw, Tensor dy, Tensor x) { backend.conv2dBackwardFilter(dw, dy, x, spec); }

    @Override protected void computeInputGradient(Backend backend, Tensor dx, Tensor dy, Tensor w) { backend.conv2dBackwardData(dx, dy, w, spec); }
}
