// Weights files: safetensors export/import of a network, with the model description in the metadata.
package org.alexnet4j.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.ImagePipeline;
import org.alexnet4j.data.ImageStatistics;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.PcaLighting;
import org.alexnet4j.data.Resizing;
import org.alexnet4j.io.AtomicFiles;
import org.alexnet4j.io.CheckpointFile;
import org.alexnet4j.io.Json;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.io.SafeTensorsFile;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.ParameterTable;
import org.alexnet4j.nn.Weights;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * A weights file holds every parameter and buffer of a network as F32 tensors, the training set's mean
 * image as tensor {@value #MEAN_IMAGE_TENSOR} (3, side, side), and metadata strings: model.* (the AlexNet
 * config), classes (a JSON array of names in label order) and data.* (the preprocessing and the other
 * training-set statistics). Files written before the mean image became a tensor hold it as metadata
 * data.mean_image (base64 of little-endian float32) and still load.
 *
 * <p>Tensor names: the torchvision variant uses torchvision's names (features.0, .3, .6, .8, .10 for
 * conv1..conv5; classifier.1, .4, .6 for fc6..fc8; each with .weight and .bias), so the file loads into
 * {@code torchvision.models.alexnet} with {@code load_state_dict(state, strict=False)} (strict loading would
 * refuse the mean image tensor). Every other variant uses the layer names
 * (conv1.weight, ..., fc8.bias, and bn1.weight, bn1.running_mean, ... for batchnorm). A file without
 * alexnet4j metadata whose names are torchvision's is read as a torchvision AlexNet with ImageNet preprocessing.
 */
public final class ModelFiles {
    private static final Map<String, String> TORCHVISION_LAYERS = Map.of(
            "conv1", "features.0", "conv2", "features.3", "conv3", "features.6", "conv4", "features.8", "conv5", "features.10",
            "fc6", "classifier.1", "fc7", "classifier.4", "fc8", "classifier.6");
    /** Checkpoints keep the SGD velocity of parameter p as tensor momentum.p; a weights file has none. */
    public static final String MOMENTUM_PREFIX = "momentum.";
    /** The tensor that holds the mean image of the training set, (3, side, side). */
    public static final String MEAN_IMAGE_TENSOR = "data.mean_image";

    private ModelFiles() {}

    /** The name a parameter or buffer of the network has in a weights file of {@code variant}. */
    public static String fileName(AlexNet.Variant variant, String name) {
        if (variant != AlexNet.Variant.TORCHVISION) return name;
        int dot = name.indexOf('.');
        String mapped = TORCHVISION_LAYERS.get(name.substring(0, dot));
        if (mapped == null) throw new IllegalArgumentException("no torchvision name for parameter " + name);
        return mapped + name.substring(dot);
    }

    // ---- metadata ------------------------------------------------------------------------------

    private static final Metadata.Key<AlexNet.Variant> VARIANT = new Metadata.Key<>("model.variant", AlexNet.Variant::id,
            id -> java.util.Arrays.stream(AlexNet.Variant.values()).filter(v -> v.id().equals(id)).findFirst().orElse(null),
            "one of paper, single-tower, caffe, batchnorm, torchvision");
    private static final Metadata.Key<Integer> CLASS_COUNT = Metadata.integer("model.classes", 1);
    private static final Metadata.Key<Integer> INPUT_SIZE = Metadata.integer("model.input_size", 1);
    private static final Metadata.Key<Double> WIDTH = Metadata.decimal("model.width_multiplier");
    private static final Metadata.Key<Float> DROPOUT = Metadata.single("model.dropout");
    private static final Metadata.Key<Float> POSITIVE_BIAS = Metadata.single("model.positive_bias");
    private static final Metadata.Key<AlexNet.WeightInit> WEIGHT_INIT = new Metadata.Key<>("model.weight_init", AlexNet.WeightInit::id,
            id -> java.util.Arrays.stream(AlexNet.WeightInit.values()).filter(w -> w.id().equals(id)).findFirst().orElse(null), "paper or he");
    private static final Metadata.Key<List<String>> CLASS_NAMES = new Metadata.Key<>("classes", ModelFiles::jsonArray, ModelFiles::parseNames,
            "a JSON array of strings");
    private static final Metadata.Key<Integer> SIDE = Metadata.integer("data.side", 1);
    private static final Metadata.Key<Normalization> NORMALIZATION = Metadata.choice("data.normalization", Normalization.class);
    /** How images are resized and centred; absent in files written before it was saved: paper. */
    private static final Metadata.Key<Resizing> RESIZING = Metadata.choice("data.resizing", Resizing.class);
    private static final Metadata.Key<Long> IMAGES = Metadata.longInteger("data.images", 0);
    private static final Metadata.Key<String> FINGERPRINT = Metadata.text("data.fingerprint");
    private static final Metadata.Key<float[]> CHANNEL_MEAN = Metadata.floats("data.channel_mean", 3);
    private static final Metadata.Key<float[]> CHANNEL_STD = Metadata.floats("data.channel_std", 3);
    private static final Metadata.Key<float[]> PCA_VALUES = Metadata.floats("data.pca_eigenvalues", 3);
    private static final Metadata.Key<float[]> PCA_VECTORS = Metadata.floats("data.pca_eigenvectors", 9);
    /** Where files written before {@value #MEAN_IMAGE_TENSOR} was a tensor hold the mean image: base64 of little-endian float32 (read only). */
    private static final Metadata.Key<float[]> LEGACY_MEAN_IMAGE = new Metadata.Key<>("data.mean_image", ModelFiles::base64, ModelFiles::unbase64,
            "base64 of little-endian float32");

    /** Whether {@code metadata} describes an alexnet4j model (else a file may still be a torchvision AlexNet). */
    static boolean describesModel(Map<String, String> metadata) { return metadata.containsKey(VARIANT.name()); }

    /** The metadata strings that describe {@code model} (its mean image is a tensor: see {@link #weightsFile}). */
    public static Map<String, String> metadata(TrainedModel model) {
        AlexNet.Config c = model.config();
        Preprocessing p = model.preprocessing();
        ImageStatistics s = p.statistics();
        return new Metadata().put(VARIANT, c.variant()).put(CLASS_COUNT, c.classes()).put(INPUT_SIZE, c.inputSize()).put(WIDTH, c.widthMultiplier())
                .put(DROPOUT, c.dropout()).put(POSITIVE_BIAS, c.positiveBias()).put(WEIGHT_INIT, c.weightInit()).put(CLASS_NAMES, model.classNames())
                .put(SIDE, p.side()).put(NORMALIZATION, p.normalization()).put(RESIZING, p.resizing()).put(IMAGES, s.images()).put(FINGERPRINT, s.fingerprint())
                .put(CHANNEL_MEAN, s.channelMean()).put(CHANNEL_STD, s.channelStd()).put(PCA_VALUES, s.pca().eigenvalues())
                .put(PCA_VECTORS, s.pca().eigenvectors()).values();
    }

    /** What a weights file holds: tensors (parameters and buffers under their file names, the mean image) and metadata. */
    public record WeightsFile(Map<String, TensorData> tensors, Map<String, String> metadata) {}

    /** The weights file of {@code weights} as {@code model}. */
    public static WeightsFile weightsFile(Weights weights, TrainedModel model) {
        Map<String, TensorData> tensors = tensors(weights, model.config().variant());
        int side = model.preprocessing().side();
        tensors.put(MEAN_IMAGE_TENSOR, new TensorData(Shape.of(3, side, side), model.preprocessing().statistics().meanImage()));
        return new WeightsFile(tensors, metadata(model));
    }

    /** The tensors of a file that are parameters or buffers of the network (not momentum, not the mean image), in file order. */
    static Map<String, TensorData> networkTensors(Map<String, TensorData> file) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        file.forEach((name, t) -> { if (!name.startsWith(MOMENTUM_PREFIX) && !name.equals(MEAN_IMAGE_TENSOR)) tensors.put(name, t); });
        return tensors;
    }

    /** The model that {@code m} and the file's {@code tensors} (for the mean image) describe. */
    static TrainedModel model(Metadata m, Map<String, TensorData> tensors) {
        AlexNet.Config config;
        try {
            config = new AlexNet.Config(m.get(VARIANT), m.get(CLASS_COUNT), m.get(INPUT_SIZE), m.get(WIDTH), m.get(DROPOUT), m.get(POSITIVE_BIAS),
                    m.get(WEIGHT_INIT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(m.file() + ": the stored model is invalid: " + e.getMessage(), e);
        }
        int side = m.get(SIDE);
        if (side < config.inputSize() || side > ImagePipeline.MAX_SIDE) {
            throw m.invalid(SIDE, "is " + side + ", outside " + config.inputSize() + ".." + ImagePipeline.MAX_SIDE + " (from the input size to the largest base image side)");
        }
        TensorData mean = tensors.get(MEAN_IMAGE_TENSOR);
        float[] meanImage;
        if (mean != null) {
            if (!mean.shape().equals(Shape.of(3, side, side))) {
                throw new IllegalArgumentException(m.file() + ": tensor '" + MEAN_IMAGE_TENSOR + "' has shape " + mean.shape() + "; metadata "
                        + SIDE.name() + " " + side + " needs (3, " + side + ", " + side + ")");
            }
            meanImage = mean.data();
        } else if (m.has(LEGACY_MEAN_IMAGE)) {
            meanImage = m.get(LEGACY_MEAN_IMAGE);
            if (meanImage.length != 3L * side * side) {
                throw m.invalid(LEGACY_MEAN_IMAGE, "holds " + meanImage.length + " floats, a (3, " + side + ", " + side + ") image needs " + 3L * side * side);
            }
        } else {
            throw new IllegalArgumentException(m.file() + ": no tensor '" + MEAN_IMAGE_TENSOR + "' (the training set's mean image)");
        }
        ImageStatistics statistics;
        try {
            statistics = new ImageStatistics(side, m.get(IMAGES), meanImage, m.get(CHANNEL_MEAN), m.get(CHANNEL_STD),
                    new PcaLighting(m.get(PCA_VALUES), m.get(PCA_VECTORS)), m.get(FINGERPRINT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(m.file() + ": data statistics (metadata data.*): " + e.getMessage(), e);
        }
        List<String> names = m.get(CLASS_NAMES);
        if (names.size() != config.classes()) {
            throw m.invalid(CLASS_NAMES, "holds " + names.size() + " names for a model of " + config.classes() + " classes");
        }
        Resizing resizing = m.has(RESIZING) ? m.get(RESIZING) : Resizing.PAPER;
        return new TrainedModel(config, names, new Preprocessing(side, config.inputSize(), m.get(NORMALIZATION), statistics, resizing));
    }

    // ---- tensors -------------------------------------------------------------------------------

    /** Host copies of every parameter and buffer of {@code weights}, under their file names. */
    public static Map<String, TensorData> tensors(Weights weights, AlexNet.Variant variant) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        weights.state().forEach((name, t) -> tensors.put(fileName(variant, name), hostCopy(weights.backend(), t)));
        return tensors;
    }

    static TensorData hostCopy(Backend backend, Tensor t) {
        float[] data = new float[Math.toIntExact(t.size())];
        backend.copyToHost(data, 0, t);
        return new TensorData(t.shape(), data);
    }

    /**
     * Sets every parameter and buffer of {@code network} from {@code tensors} (file names). Throws naming
     * the tensors that are missing, unexpected, or of another shape than the network's.
     */
    public static void load(Weights network, AlexNet.Variant variant, Map<String, TensorData> tensors, String file) {
        requireMatching(network.architecture(), variant, tensors, file);
        network.state().forEach((name, t) -> {
            TensorData data = tensors.get(fileName(variant, name));
            network.write(name, data.shape(), data.data());
        });
    }

    /**
     * Throws naming the tensors that are missing, unexpected, or of another shape than the parameters and
     * buffers of {@code architecture} (checked before any network is allocated).
     */
    static void requireMatching(Architecture architecture, AlexNet.Variant variant, Map<String, TensorData> tensors, String file) {
        Set<String> unexpected = new TreeSet<>(tensors.keySet());
        List<String> missing = new ArrayList<>();
        List<ParameterTable.Entry> expected = new ArrayList<>(architecture.parameters().entries());
        expected.addAll(architecture.buffers().entries());
        for (ParameterTable.Entry e : expected) {
            String name = fileName(variant, e.name());
            TensorData data = tensors.get(name);
            unexpected.remove(name);
            if (data == null) { missing.add(name); continue; }
            if (!data.shape().equals(e.shape())) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' has shape " + data.shape() + ", the "
                        + variant.id() + " model expects " + e.shape());
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException(file + ": does not match the " + variant.id() + " model"
                    + (missing.isEmpty() ? "" : "; missing tensors: " + String.join(", ", missing))
                    + (unexpected.isEmpty() ? "" : "; unexpected tensors: " + String.join(", ", unexpected)));
        }
    }

    /** Atomically writes the weights file of {@code network}. */
    public static void save(Path file, Weights network, TrainedModel model) throws IOException {
        WeightsFile contents = weightsFile(network, model);
        AtomicFiles.write(file, channel -> {
            var out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 20);
            SafeTensors.write(out, contents.tensors(), contents.metadata());
            out.flush();
        });
    }

    /** A weights file read: its model description and its tensors (not yet on any backend). */
    public record Contents(TrainedModel model, Map<String, TensorData> tensors, String file) {
        /** These parameters and buffers on {@code backend}, once, for any number of inference plans. */
        public Weights load(Backend backend) {
            Weights weights = new Weights(backend, AlexNet.architecture(model.config()));
            try {
                ModelFiles.load(weights, model.config().variant(), tensors, file);
                return weights;
            } catch (RuntimeException e) {
                weights.close();
                throw e;
            }
        }
    }

    /**
     * Reads a weights file or a checkpoint (its checksum verified, its momentum left out). Tensor dtypes
     * F32, F16, BF16 and F64 are accepted; anything else is refused naming the tensor.
     */
    public static Contents read(Path file) throws IOException {
        SafeTensorsFile read = SafeTensors.read(file);
        Map<String, TensorData> all = new LinkedHashMap<>();
        Map<String, String> metadata = read.metadata();
        if (CheckpointFile.isCheckpoint(read)) {
            CheckpointFile.Contents contents = CheckpointFile.verify(read, file);
            all.putAll(contents.tensors());
            metadata = contents.metadata();
        } else {
            for (String name : read.names()) all.put(name, read.tensor(name));
        }
        String name = file.toString();
        try {
            TrainedModel model = describesModel(metadata) ? model(new Metadata(metadata, name), all) : inferTorchvision(read, file);
            Map<String, TensorData> tensors = networkTensors(all);
            requireMatching(AlexNet.architecture(model.config()), model.config().variant(), tensors, name);
            return new Contents(model, tensors, name);
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(name) ? e : new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /** A torchvision AlexNet without alexnet4j metadata: classes and width from the tensor shapes, ImageNet preprocessing. */
    private static TrainedModel inferTorchvision(SafeTensorsFile read, Path file) {
        if (!read.contains("features.0.weight") || !read.contains("classifier.6.weight")) {
            throw new IllegalArgumentException(file + ": no alexnet4j metadata (model.variant) and not a torchvision AlexNet "
                    + "(no features.0.weight / classifier.6.weight); tensors: " + String.join(", ", read.names().stream().limit(10).toList()));
        }
        int classes = read.shape("classifier.6.weight").dim(0);
        double width = read.shape("features.0.weight").dim(0) / 64.0;
        AlexNet.Config config = AlexNet.Config.of(AlexNet.Variant.TORCHVISION).withClasses(classes).withWidthMultiplier(width);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classes; i++) names.add("class " + i);
        return new TrainedModel(config, names, Preprocessing.imagenet(config.inputSize()));
    }

    private static String jsonArray(List<String> names) {
        StringBuilder b = new StringBuilder("[");
        for (String name : names) b.append(b.length() > 1 ? "," : "").append(Json.quote(name));
        return b.append(']').toString();
    }

    /** The names of a JSON array of strings, or null if the text is not one. */
    private static List<String> parseNames(String text) {
        try {
            if (Json.parse(text) instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
                return list.stream().map(String.class::cast).toList();
            }
        } catch (Json.SyntaxException e) {
            // not JSON: invalid, like any other text that is not an array of strings
        }
        return null;
    }

    private static String base64(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /** The floats of a base64 text, or null if it is not base64 of whole float32 values. */
    private static float[] unbase64(String text) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (bytes.length % Float.BYTES != 0) return null;
        float[] values = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }
}
