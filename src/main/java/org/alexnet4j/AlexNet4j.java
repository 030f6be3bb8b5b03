// The library's front door: load trained weights and classify images, or train on an image folder.
package org.alexnet4j;

import java.io.IOException;
import java.nio.file.Path;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.run.ModelFiles;

/**
 * Entry points for using alexnet4j from code. Load a model once, then give each thread a predictor:
 * <pre>{@code
 * try (ImageClassifier model = AlexNet4j.load(Path.of("runs/demo/weights.safetensors"));
 *      Predictor predictor = model.newPredictor()) {
 *     for (Prediction p : predictor.classify(Path.of("cat.jpg"))) System.out.println(p);
 * }
 * }</pre>
 * Train:
 * <pre>{@code
 * Training.Result result = AlexNet4j.training(Path.of("photos"))   // photos/<class>/*.jpg
 *         .inputSize(163).widthMultiplier(0.5).epochs(30).runDirectory(Path.of("runs/photos"))
 *         .run();
 * }</pre>
 * Everything runs on the best available backend (cuda, then cpu, then reference) unless one is named.
 * The JVM needs {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED} for the cpu backend.
 */
public final class AlexNet4j {
    private AlexNet4j() {}

    /** Loads a weights file or checkpoint written by alexnet4j (or torchvision AlexNet weights as safetensors) on the best backend. */
    public static ImageClassifier load(Path weights) throws IOException {
        return load(weights, LoadOptions.defaults());
    }

    /**
     * Loads weights onto the backend that {@code options} names, configured as they say.
     * @throws IOException when the file cannot be read or is not a valid safetensors file
     * @throws IllegalArgumentException when its tensors do not match the model its metadata describes
     * @throws IllegalStateException when the backend cannot run here
     */
    public static ImageClassifier load(Path weights, LoadOptions options) throws IOException {
        return ImageClassifier.open(ModelFiles.read(weights), Backends.create(options.backend(), options.backendOptions()));
    }

    /** Loads weights on the backend called {@code backend} (reference, cpu, cuda or auto) with its default options. */
    public static ImageClassifier load(Path weights, String backend) throws IOException {
        return load(weights, LoadOptions.defaults().withBackend(backend));
    }

    /** A training run on an image folder ({@code dir/train} + {@code dir/val}, or {@code dir/<class>/*} split 90/10). */
    public static Training training(Path imageFolder) {
        return new Training(imageFolder);
    }
}
