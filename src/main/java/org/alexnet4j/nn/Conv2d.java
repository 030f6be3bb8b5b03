package org.alexnet4j.nn;

import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/** 2-D convolution with square kernel, stride, zero padding, groups and an optional bias. x: (N, C, H, W) -> y: (N, K, P, Q). */
public final class Conv2d extends Layer {
    private final int inChannels, outChannels, kernel;
    private final ConvSpec spec;
    private final boolean hasBias;
    private final Init weightInit, biasInit;
    private Tensor weight, bias, weightGradient, biasGradient;
    private BatchTensor output;
    private Tensor input;

    public Conv2d(String name, int inChannels, int outChannels, int kernel, int stride, int padding, int groups, boolean hasBias,
                  Init weightInit, Init biasInit) {
        super(name);
        if (inChannels < 1 || outChannels < 1 || kernel < 1) throw new IllegalArgumentException(name + ": channels and kernel must be positive");
        this.spec = ConvSpec.of(stride, padding, groups);
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(name + ": channels " + inChannels + " -> " + outChannels + " must both divide by groups=" + groups);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.hasBias = hasBias;
        this.weightInit = weightInit;
        this.biasInit = biasInit;
    }

    public ConvSpec spec() { return spec; }

    /** The filter shape (K, C/groups, R, S). */
    public Shape weightShape() { return Shape.of(outChannels, inChannels / spec.groups(), kernel, kernel); }

    @Override public Shape outputShape(Shape x) {
        x.requireRank(4, "input (N, C, H, W)");
        if (x.dim(1) != inChannels) throw new ShapeException("expected input (N, " + inChannels + ", H, W), got " + x);
        return spec.outputShape(x, weightShape());
    }

    @Override public List<ParameterSpec> parameters() {
        ParameterSpec w = new ParameterSpec("weight", weightShape(), weightInit);
        return hasBias ? List.of(w, new ParameterSpec("bias", Shape.of(outChannels), biasInit)) : List.of(w);
    }

    @Override protected void bind(Backend backend, Map<String, Tensor> parameters, Map<String, Tensor> gradients, Map<String, Tensor> buffers) {
        super.bind(backend, parameters, gradients, buffers);
        weight = parameters.get("weight");
        weightGradient = gradients.get("weight");
        bias = parameters.get("bias");
        biasGradient = gradients.get("bias");
    }

    @Override protected void allocate(Shape maxInput) { output = allocateActivation(outputShape(maxInput)); }

    @Override protected Tensor forward(Tensor x, boolean training, long seed) {
        Tensor y = output.batch(x.shape().dim(0));
        backend.conv2dForward(y, x, weight, bias, spec);
        input = x;
        return y;
    }

    @Override protected Tensor backward(Tensor dy, Tensor dx) {
        backend.conv2dBackwardFilter(weightGradient, dy, input, spec);
        if (hasBias) backend.biasBackward(biasGradient, dy);
        if (inputGradientNeeded) backend.conv2dBackwardData(dx, dy, weight, spec);
        return dx;
    }
}
