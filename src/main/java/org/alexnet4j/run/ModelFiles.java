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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.data.DataException;
import org.alexnet4j.data.ImageStatistics;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.PcaLighting;
import org.alexnet4j.io.AtomicFiles;
import org.alexnet4j.io.CheckpointFile;
import org.alexnet4j.io.Json;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.io.SafeTensorsFile;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * A weights file holds every parameter and buffer of a network as F32 tensors, plus metadata strings:
 * model.* (the AlexNet config), classes (a JSON array of names in label order) and data.* (the
 * preprocessing and training-set statistics; the mean image as base64 of little-endian float32).
 *
 * <p>Tensor names: the torchvision variant uses torchvision's names (features.0, .3, .6, .8, .10 for
 * conv1..conv5; classifier.1, .4, .6 for fc6..fc8; each with .weight and .bias), so the file loads into
 * {@code torchvision.models.alexnet} with {@code load_state_dict}. Every other variant uses the layer names
 * (conv1.weight, ..., fc8.bias, and bn1.weight, bn1.running_mean, ... for batchnorm). A file without
 * alexnet4j metadata whose names are torchvision's is read as a torchvision AlexNet with ImageNet preprocessing.
 */
public final class ModelFiles {
    private static final Map<String, String> TORCHVISION_LAYERS = Map.of(
            "conv1", "features.0", "conv2", "features.3", "conv3", "features.6", "conv4", "features.8", "conv5", "features.10",
            "fc6", "classifier.1", "fc7", "classifier.4", "fc8", "classifier.6");
    private static final String CLASSES = "classes";
    /** Checkpoints keep the SGD velocity of parameter p as tensor momentum.p; a weights file has none. */
    public static final String MOMENTUM_PREFIX = "momentum.";

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

    /** The metadata strings that describe {@code model}. */
    public static Map<String, String> metadata(TrainedModel model) {
        Map<String, String> m = new LinkedHashMap<>();
        AlexNet.Config c = model.config();
        m.put("model.variant", c.variant().id());
        m.put("model.classes", Integer.toString(c.classes()));
        m.put("model.input_size", Integer.toString(c.inputSize()));
        m.put("model.width_multiplier", Double.toString(c.widthMultiplier()));
        m.put("model.dropout", Float.toString(c.dropout()));
        m.put("model.positive_bias", Float.toString(c.positiveBias()));
        m.put("model.weight_init", c.weightInit().id());
        StringBuilder names = new StringBuilder("[");
        for (String name : model.classNames()) names.append(names.length() > 1 ? "," : "").append(Json.quote(name));
        m.put(CLASSES, names.append(']').toString());
        Preprocessing p = model.preprocessing();
        ImageStatistics s = p.statistics();
        m.put("data.side", Integer.toString(p.side()));
        m.put("data.normalization", p.normalization().name().toLowerCase(Locale.ROOT));
        m.put("data.images", Long.toString(s.images()));
        m.put("data.fingerprint", s.fingerprint());
        m.put("data.channel_mean", floats(s.channelMean()));
        m.put("data.channel_std", floats(s.channelStd()));
        m.put("data.pca_eigenvalues", floats(s.pca().eigenvalues()));
        m.put("data.pca_eigenvectors", floats(s.pca().eigenvectors()));
        ByteBuffer meanImage = ByteBuffer.allocate(s.meanImage().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        meanImage.asFloatBuffer().put(s.meanImage());
        m.put("data.mean_image", Base64.getEncoder().encodeToString(meanImage.array()));
        return m;
    }

    /** The model that {@code metadata} describes; {@code file} names the source in every message. */
    public static TrainedModel model(Map<String, String> metadata, String file) {
        try {
            return describedModel(new Metadata(metadata, file));
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(file) ? e : new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static TrainedModel describedModel(Metadata f) {
        String file = f.file();
        AlexNet.Config config = new AlexNet.Config(AlexNet.Variant.parse(f.get("model.variant")), f.integer("model.classes"),
                f.integer("model.input_size"), Double.parseDouble(f.get("model.width_multiplier")),
                Float.parseFloat(f.get("model.dropout")), Float.parseFloat(f.get("model.positive_bias")),
                AlexNet.WeightInit.parse(f.get("model.weight_init")));
        int side = f.integer("data.side");
        float[] meanImage = new float[3 * side * side];
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(f.get("data.mean_image"));
        } catch (IllegalArgumentException e) {
            throw f.invalid("data.mean_image", "is not base64: " + e.getMessage());
        }
        if (bytes.length != meanImage.length * Float.BYTES) {
            throw f.invalid("data.mean_image", "has " + bytes.length + " bytes, a (3, " + side + ", " + side + ") float32 image needs " + meanImage.length * Float.BYTES);
        }
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(meanImage);
        ImageStatistics statistics;
        try {
            statistics = new ImageStatistics(side, f.longInteger("data.images"), meanImage,
                    f.floats("data.channel_mean", 3), f.floats("data.channel_std", 3),
                    new PcaLighting(f.floats("data.pca_eigenvalues", 3), f.floats("data.pca_eigenvectors", 9)), f.get("data.fingerprint"));
        } catch (DataException e) {
            throw new IllegalArgumentException(file + ": data statistics (metadata data.*): " + e.getMessage());
        }
        Normalization normalization = Normalization.parse(f.get("data.normalization"));
        return new TrainedModel(config, classNames(f), new Preprocessing(side, config.inputSize(), normalization, statistics));
    }

    // ---- tensors -------------------------------------------------------------------------------

    /** Host copies of every parameter and buffer of {@code network}, under their file names. */
    public static Map<String, TensorData> tensors(Sequential network, AlexNet.Variant variant) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        network.state().forEach((name, t) -> tensors.put(fileName(variant, name), hostCopy(network.backend(), t)));
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
    public static void load(Sequential network, AlexNet.Variant variant, Map<String, TensorData> tensors, String file) {
        Set<String> unexpected = new TreeSet<>(tensors.keySet());
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : network.state().entrySet()) {
            String name = fileName(variant, e.getKey());
            TensorData data = tensors.get(name);
            unexpected.remove(name);
            if (data == null) { missing.add(name); continue; }
            if (!data.shape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' has shape " + data.shape() + ", the "
                        + variant.id() + " model expects " + e.getValue().shape());
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException(file + ": does not match the " + variant.id() + " model"
                    + (missing.isEmpty() ? "" : "; missing tensors: " + String.join(", ", missing))
                    + (unexpected.isEmpty() ? "" : "; unexpected tensors: " + String.join(", ", unexpected)));
        }
        network.state().forEach((name, t) -> {
            TensorData data = tensors.get(fileName(variant, name));
            network.write(name, data.shape(), data.data());
        });
    }

    /** Atomically writes the weights file of {@code network}. */
    public static void save(Path file, Sequential network, TrainedModel model) throws IOException {
        Map<String, TensorData> tensors = tensors(network, model.config().variant());
        Map<String, String> metadata = metadata(model);
        AtomicFiles.write(file, channel -> {
            var out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 20);
            SafeTensors.write(out, tensors, metadata);
            out.flush();
        });
    }

    /** A weights file read: its model description and its tensors (not yet on any backend). */
    public record Weights(TrainedModel model, Map<String, TensorData> tensors, String file) {
        /** A network on {@code backend} holding these weights (dropout seed 0: only inference and fine-tuning use it). */
        public Sequential create(Backend backend) {
            Sequential network = AlexNet.create(backend, model.config(), 0);
            try {
                load(network, model.config().variant(), tensors, file);
                return network;
            } catch (RuntimeException e) {
                network.close();
                throw e;
            }
        }
    }

    /**
     * Reads a weights file or a checkpoint (its checksum verified, its momentum left out). Tensor dtypes
     * F32, F16, BF16 and F64 are accepted; anything else is refused naming the tensor.
     */
    public static Weights read(Path file) throws IOException {
        SafeTensorsFile read = SafeTensors.read(file);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = read.metadata();
        if (CheckpointFile.isCheckpoint(read)) {
            CheckpointFile.Contents contents = CheckpointFile.verify(read, file);
            contents.tensors().forEach((name, t) -> { if (!name.startsWith(MOMENTUM_PREFIX)) tensors.put(name, t); });
            metadata = contents.metadata();
        } else {
            for (String name : read.names()) tensors.put(name, read.tensor(name));
        }
        TrainedModel model = metadata.containsKey("model.variant") ? model(metadata, file.toString()) : inferTorchvision(read, file);
        return new Weights(model, tensors, file.toString());
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

    private static String floats(float[] values) {
        StringBuilder b = new StringBuilder();
        for (float v : values) b.append(b.isEmpty() ? "" : ",").append(v);
        return b.toString();
    }

    /** The JSON array of class names in metadata {@value #CLASSES}. */
    private static List<String> classNames(Metadata f) {
        try {
            if (Json.parse(f.get(CLASSES)) instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
                return list.stream().map(String.class::cast).toList();
            }
        } catch (Json.SyntaxException e) {
            throw f.invalid(CLASSES, "is not JSON: " + e.getMessage());
        }
        throw f.invalid(CLASSES, "is not a JSON array of strings");
    }
}
