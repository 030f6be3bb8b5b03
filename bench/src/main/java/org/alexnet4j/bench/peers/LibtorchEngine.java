package org.alexnet4j.bench.peers;

import static org.bytedeco.pytorch.global.torch.adaptive_avg_pool2d;
import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.dropout;
import static org.bytedeco.pytorch.global.torch.flatten;
import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.linear;
import static org.bytedeco.pytorch.global.torch.log_softmax;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.nll_loss;
import static org.bytedeco.pytorch.global.torch.relu;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alexnet4j.benchmark.ThroughputBenchmark;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.io.SafeTensorsFile;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.LocalResponseNormImpl;
import org.bytedeco.pytorch.LocalResponseNormOptions;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The single-tower AlexNet in libtorch (JavaCPP's pytorch preset), written with its functional ops from
 * alexnet4j's weights: the same layers in the same order, LRN with the paper's constants, dropout 0.5 after fc6
 * and fc7, softmax cross-entropy, and SGD with momentum 0.9 and weight decay 5e-4 (PyTorch's form) over every
 * parameter. {@code threads} intra-op threads, one inter-op thread. A forward step runs without autograd.
 */
final class LibtorchEngine implements Peers.Engine {
    private static final String[] LAYERS = {"conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"};

    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final LocalResponseNormImpl lrn;
    private final boolean training;
    private final Tensor input, labels;
    private final SGD optimizer;

    LibtorchEngine(Path weights, ThroughputBenchmark.Mode mode, int batch, int threads) throws Exception {
        torch.set_num_threads(threads);
        torch.set_num_interop_threads(1);
        SafeTensorsFile file = SafeTensors.read(weights);
        for (String layer : LAYERS) {
            for (String kind : new String[] {"weight", "bias"}) {
                String name = layer + "." + kind;
                parameters.put(name, tensor(file.floats(name), file.shape(name).dims()).requires_grad_(true));
            }
        }
        LocalResponseNormOptions options = new LocalResponseNormOptions(5);
        options.alpha().put(5e-4);
        options.beta().put(0.75);
        options.k().put(2.0);
        lrn = new LocalResponseNormImpl(options);
        training = mode == ThroughputBenchmark.Mode.TRAIN;
        input = tensor(Peers.images(batch, 3), Peers.inputShape(batch).dims());
        float[] classes = new float[batch];
        for (int i = 0; i < batch; i++) classes[i] = (i * 37) % 1000;
        labels = tensor(classes, new int[] {batch}).to(new org.bytedeco.pytorch.Device("cpu"), torch.ScalarType.Long);
        SGDOptions sgd = new SGDOptions(0.01);
        sgd.momentum().put(0.9);
        sgd.weight_decay().put(5e-4);
        optimizer = new SGD(new TensorVector(parameters.values().toArray(new Tensor[0])), sgd);
        GradMode.set_enabled(training);
        System.out.println("libtorch: " + torch.get_num_threads() + " threads; " + blas());
    }

    /** The BLAS libtorch was built against, from its configuration. */
    private static String blas() {
        for (String line : torch.show_config().getString().split("\n")) {
            int at = line.indexOf("BLAS_INFO=");
            if (at >= 0) return line.substring(at).split(",")[0].trim();
        }
        return "BLAS_INFO unknown";
    }

    /** A tensor owning a copy of {@code values} with the given shape. */
    private static Tensor tensor(float[] values, int[] dims) {
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[i];
        try (FloatPointer data = new FloatPointer(values)) {
            return from_blob(data, shape).clone();
        }
    }

    private Tensor p(String name) { return parameters.get(name); }

    private Tensor conv(Tensor x, String layer, long stride, long pad) {
        return relu(conv2d(x, p(layer + ".weight"), new TensorOptional(p(layer + ".bias")), new long[] {stride, stride}, new long[] {pad, pad},
                new long[] {1, 1}, 1));
    }

    private static Tensor pool(Tensor x) { return max_pool2d(x, new long[] {3, 3}, new long[] {2, 2}, new long[] {0, 0}, new long[] {1, 1}, false); }

    private Tensor fc(Tensor x, String layer) { return linear(x, p(layer + ".weight"), new TensorOptional(p(layer + ".bias"))); }

    private Tensor forward(Tensor x, boolean train) {
        x = pool(lrn.forward(conv(x, "conv1", 4, 0)));
        x = pool(lrn.forward(conv(x, "conv2", 1, 2)));
        x = pool(conv(conv(conv(x, "conv3", 1, 1), "conv4", 1, 1), "conv5", 1, 1));
        x = flatten(adaptive_avg_pool2d(x, 6, 6), 1, -1);
        x = dropout(relu(fc(x, "fc6")), 0.5, train);
        x = dropout(relu(fc(x, "fc7")), 0.5, train);
        return fc(x, "fc8");
    }

    @Override public float step() {
        if (!training) return forward(input, false).data_ptr_float().get(0);
        optimizer.zero_grad();
        Tensor loss = nll_loss(log_softmax(forward(input, true), 1), labels);
        loss.backward();
        optimizer.step();
        return loss.item_float();
    }

    @Override public float[] logits(float[] images, int batch) {
        boolean was = GradMode.is_enabled();
        GradMode.set_enabled(false);
        try {
            Tensor out = forward(tensor(images, Peers.inputShape(batch).dims()), false).contiguous();
            float[] values = new float[(int) out.numel()];
            out.data_ptr_float().get(values);
            return values;
        } finally {
            GradMode.set_enabled(was);
        }
    }

    @Override public void close() {}
}
