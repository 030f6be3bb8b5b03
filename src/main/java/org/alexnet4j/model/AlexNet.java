package org.alexnet4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BatchNormSpec;
import org.alexnet4j.backend.LrnSpec;
import org.alexnet4j.nn.AdaptiveAvgPool2d;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.BatchNorm2d;
import org.alexnet4j.nn.Conv2d;
import org.alexnet4j.nn.Dropout;
import org.alexnet4j.nn.Flatten;
import org.alexnet4j.nn.Init;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.nn.Linear;
import org.alexnet4j.nn.LocalResponseNorm;
import org.alexnet4j.nn.MaxPool2d;
import org.alexnet4j.nn.ReLU;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;

/**
 * AlexNet (Krizhevsky et al. 2012) in the variants of {@link Variant}, as a layer list. Layer names follow
 * Caffe's bvlc_alexnet (conv1, relu1, lrn1, pool1, ..., fc8), plus avgpool and flatten; parameters are
 * {@code <layer>.weight} and {@code <layer>.bias}, batch-norm buffers {@code <bn>.running_mean/_var}.
 */
public final class AlexNet {
    private AlexNet() {}

    /**
     * LRN of the paper: k=2, n=5, alpha=1e-4, beta=0.75 with alpha NOT divided by n. The LRN op follows
     * cuDNN/PyTorch and divides alpha by n, so alpha = 1e-4 * 5 = 5e-4 here gives exactly the paper's math.
     */
    public static final LrnSpec PAPER_LRN = new LrnSpec(5, 5e-4, 0.75, 2.0);

    /** LRN of Caffe's bvlc_alexnet: local_size 5, alpha 1e-4 (divided by n, as Caffe does), beta 0.75, k = 1. */
    public static final LrnSpec CAFFE_LRN = new LrnSpec(5, 1e-4, 0.75, 1.0);

    /** Standard deviation of the paper's weight initialisation N(0, 0.01^2). */
    public static final double WEIGHT_STD = 0.01;

    /**
     * How weights start. PAPER: N(0, 0.01^2) everywhere, as published; at full width it trains, but slowly
     * at first, and narrow models (width multiplier << 1) shrink the signal at every layer and can sit at
     * chance for many epochs. HE: N(0, 2/fan_in) (Kaiming normal), which keeps activations at unit scale at
     * any width; the synthetic demo uses it.
     */
    public enum WeightInit {
        PAPER("paper", Init.normal(WEIGHT_STD)), HE("he", Init.he());

        private final String id;
        private final Init init;

        WeightInit(String id, Init init) { this.id = id; this.init = init; }

        public String id() { return id; }

        public static WeightInit parse(String id) {
            for (WeightInit w : values()) if (w.id.equals(id)) return w;
            throw new IllegalArgumentException("unknown weight init '" + id + "'; known: "
                    + Arrays.stream(values()).map(WeightInit::id).collect(Collectors.joining(", ")));
        }

        @Override public String toString() { return id; }
    }

    /**
     * The largest input side: one image then holds 805M floats and conv1's output 1.6G per image; its base
     * side at the paper's ratio (18477) stays within {@code ImagePipeline.MAX_SIDE}.
     */
    public static final int MAX_INPUT_SIZE = 16_384;

    /** Pooled spatial size in front of the classifier (6x6 at 227; AdaptiveAvgPool2d makes it so at any input). */
    public static final int POOLED_SIZE = 6;

    /**
     * The variants. channels: conv1..conv5 outputs; groups: conv1..conv5 (2 = the paper's two towers);
     * lrn: after relu1 and relu2, or null; batchNorm: BatchNorm2d after pool1 and pool2;
     * dropoutBeforeFc: torchvision's classifier order (dropout -> fc -> ReLU) instead of the paper's
     * (fc -> ReLU -> dropout, dropout on the outputs of fc6 and fc7, as Caffe's drop6/drop7).
     */
    public enum Variant {
        PAPER("paper", 227, new int[] {96, 256, 384, 384, 256}, 0, new int[] {1, 2, 1, 2, 2}, PAPER_LRN, false, false),
        SINGLE_TOWER("single-tower", 227, new int[] {96, 256, 384, 384, 256}, 0, new int[] {1, 1, 1, 1, 1}, PAPER_LRN, false, false),
        CAFFE("caffe", 227, new int[] {96, 256, 384, 384, 256}, 0, new int[] {1, 2, 1, 2, 2}, CAFFE_LRN, false, false),
        BATCHNORM("batchnorm", 227, new int[] {96, 256, 384, 384, 256}, 0, new int[] {1, 1, 1, 1, 1}, null, true, false),
        TORCHVISION("torchvision", 224, new int[] {64, 192, 384, 256, 256}, 2, new int[] {1, 1, 1, 1, 1}, null, false, true);

        private final String id;
        private final int inputSize;
        private final int[] channels;
        private final int conv1Padding;
        private final int[] groups;
        private final LrnSpec lrn;
        private final boolean batchNorm, dropoutBeforeFc;

        Variant(String id, int inputSize, int[] channels, int conv1Padding, int[] groups, LrnSpec lrn, boolean batchNorm, boolean dropoutBeforeFc) {
            this.id = id;
            this.inputSize = inputSize;
            this.channels = channels;
            this.conv1Padding = conv1Padding;
            this.groups = groups;
            this.lrn = lrn;
            this.batchNorm = batchNorm;
            this.dropoutBeforeFc = dropoutBeforeFc;
        }

        /** The name used on the command line and in files. */
        public String id() { return id; }

        /** The input side length the variant was designed for (227, or 224 for torchvision). */
        public int inputSize() { return inputSize; }

        /** The LRN after relu1 and relu2, or null when the variant has none. */
        public LrnSpec lrn() { return lrn; }

        /** The variant called {@code id}; throws listing the known ones. */
        public static Variant parse(String id) {
            for (Variant v : values()) if (v.id.equals(id)) return v;
            throw new IllegalArgumentException("unknown AlexNet variant '" + id + "'; known: "
                    + Arrays.stream(values()).map(Variant::id).collect(Collectors.joining(", ")));
        }

        @Override public String toString() { return id; }
    }

    /**
     * What to build. widthMultiplier scales every conv's channels and the FC width (1.0 = the paper;
     * small values make test and demo models; channels round to a multiple of the groups). dropout: the
     * probability in drop6 and drop7 (0 allowed). positiveBias: the initial bias of conv2, conv4, conv5,
     * fc6 and fc7 (the paper's 1, or Caffe's 0.1); every other bias starts at 0. weightInit: see {@link WeightInit}.
     */
    public record Config(Variant variant, int classes, int inputSize, double widthMultiplier, float dropout, float positiveBias,
                         WeightInit weightInit) {
        public Config {
            if (variant == null) throw new IllegalArgumentException("variant must not be null");
            if (classes < 1) throw new IllegalArgumentException("classes must be >= 1, got " + classes);
            if (inputSize < 1 || inputSize > MAX_INPUT_SIZE) {
                throw new IllegalArgumentException("input size must be in 1.." + MAX_INPUT_SIZE + ", got " + inputSize);
            }
            if (!(widthMultiplier > 0 && widthMultiplier <= 16)) throw new IllegalArgumentException("width multiplier must be in (0, 16], got " + widthMultiplier);
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
            if (!Float.isFinite(positiveBias)) throw new IllegalArgumentException("positive bias must be finite, got " + positiveBias);
            if (weightInit == null) throw new IllegalArgumentException("weight init must not be null");
        }

        /** The variant as published: 1000 classes, its own input size, full width, dropout 0.5, bias 1, N(0, 0.01^2) weights. */
        public static Config of(Variant variant) { return new Config(variant, 1000, variant.inputSize(), 1.0, 0.5f, 1f, WeightInit.PAPER); }

        public Config withClasses(int classes) { return new Config(variant, classes, inputSize, widthMultiplier, dropout, positiveBias, weightInit); }

        public Config withInputSize(int inputSize) { return new Config(variant, classes, inputSize, widthMultiplier, dropout, positiveBias, weightInit); }

        public Config withWidthMultiplier(double widthMultiplier) { return new Config(variant, classes, inputSize, widthMultiplier, dropout, positiveBias, weightInit); }

        public Config withDropout(float dropout) { return new Config(variant, classes, inputSize, widthMultiplier, dropout, positiveBias, weightInit); }

        public Config withPositiveBias(float positiveBias) { return new Config(variant, classes, inputSize, widthMultiplier, dropout, positiveBias, weightInit); }

        public Config withWeightInit(WeightInit weightInit) { return new Config(variant, classes, inputSize, widthMultiplier, dropout, positiveBias, weightInit); }

        /** Output channels of conv1..conv5 after the width multiplier, each a positive multiple of the variant's largest group count. */
        public int[] channels() {
            int multiple = Arrays.stream(variant.groups).max().orElse(1);
            return Arrays.stream(variant.channels)
                    .map(c -> (int) Math.max(multiple, Math.round(c * widthMultiplier / multiple) * multiple))
                    .toArray();
        }

        /** Width of fc6 and fc7 after the width multiplier (4096 at 1.0). */
        public int fcWidth() { return (int) Math.max(1, Math.round(4096 * widthMultiplier)); }

        /** One image: (3, inputSize, inputSize). */
        public Shape inputShape() { return Shape.of(3, inputSize, inputSize); }
    }

    /** The layer list of {@code config}, checked against its input shape. Each call builds new layers. */
    public static Architecture architecture(Config config) {
        Variant v = config.variant();
        int[] c = config.channels();
        int[] g = v.groups;
        Init weight = config.weightInit().init, zero = Init.constant(0), positive = Init.constant(config.positiveBias());
        List<Layer> layers = new ArrayList<>();
        layers.add(new Conv2d("conv1", 3, c[0], 11, 4, v.conv1Padding, g[0], true, weight, zero));
        addBlockEnd(layers, v, 1, c[0]);
        layers.add(new Conv2d("conv2", c[0], c[1], 5, 1, 2, g[1], true, weight, positive));
        addBlockEnd(layers, v, 2, c[1]);
        layers.add(new Conv2d("conv3", c[1], c[2], 3, 1, 1, g[2], true, weight, zero));
        layers.add(new ReLU("relu3"));
        layers.add(new Conv2d("conv4", c[2], c[3], 3, 1, 1, g[3], true, weight, positive));
        layers.add(new ReLU("relu4"));
        layers.add(new Conv2d("conv5", c[3], c[4], 3, 1, 1, g[4], true, weight, positive));
        layers.add(new ReLU("relu5"));
        layers.add(new MaxPool2d("pool5", 3, 2));
        layers.add(new AdaptiveAvgPool2d("avgpool", POOLED_SIZE, POOLED_SIZE));
        layers.add(new Flatten("flatten"));
        int features = c[4] * POOLED_SIZE * POOLED_SIZE, width = config.fcWidth();
        addHidden(layers, v, 6, features, width, config.dropout(), weight, positive);
        addHidden(layers, v, 7, width, width, config.dropout(), weight, positive);
        layers.add(new Linear("fc8", width, config.classes(), true, weight, zero));
        try {
            return new Architecture(config.inputShape(), layers);
        } catch (ShapeException e) {
            int smallest = smallestInput(layers, config.inputSize());
            if (smallest < 0) throw e;
            throw new ShapeException("input " + config.inputSize() + "x" + config.inputSize() + " is too small for the " + v.id()
                    + " variant: the smallest input it takes is " + smallest + "x" + smallest + " (" + e.getMessage() + ")");
        }
    }

    /** The smallest square input above {@code from} (up to 1024 more) that the layers take, found by trying the shapes; -1 if none. */
    private static int smallestInput(List<Layer> layers, int from) {
        for (int size = from + 1; size <= from + 1024; size++) {
            try {
                new Architecture(Shape.of(3, size, size), layers);
                return size;
            } catch (ShapeException e) {
                // still too small
            }
        }
        return -1;
    }

    /** relu, then lrn (if any), maxpool(3, 2), then batch norm (if any), for block 1 or 2. */
    private static void addBlockEnd(List<Layer> layers, Variant v, int block, int channels) {
        layers.add(new ReLU("relu" + block));
        if (v.lrn != null) layers.add(new LocalResponseNorm("lrn" + block, v.lrn));
        layers.add(new MaxPool2d("pool" + block, 3, 2));
        if (v.batchNorm) layers.add(new BatchNorm2d("bn" + block, channels, BatchNormSpec.PYTORCH_DEFAULT));
    }

    /** fc{index} with its ReLU and dropout, in the variant's order. */
    private static void addHidden(List<Layer> layers, Variant v, int index, int in, int out, float dropout, Init weight, Init bias) {
        Dropout drop = new Dropout("drop" + index, dropout);
        if (v.dropoutBeforeFc) layers.add(drop);
        layers.add(new Linear("fc" + index, in, out, true, weight, bias));
        layers.add(new ReLU("relu" + index));
        if (!v.dropoutBeforeFc) layers.add(drop);
    }

    /** The network of {@code config} on {@code backend}, initialised with {@code seed} (which also seeds dropout). */
    public static Sequential create(Backend backend, Config config, long seed) {
        return new Sequential(backend, architecture(config), seed);
    }
}
