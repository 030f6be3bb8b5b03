// The library's front door: load trained weights and classify images, or train on an image folder.
package org.alexnet4j;

import java.io.IOException;
import java.nio.file.Path;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.run.ModelFiles;

/**
 * Entry points for using alexnet4j from code. Classify:
 * <pre>{@code
 * try (ImageClassifier model = AlexNet4j.load(Path.of("runs/demo/weights.safetensors"))) {
 *     for (Prediction p : model.classify(ImageIO.read(new File("cat.jpg")))) System.out.println(p);
 * }
 * }</pre>
 * Train:
 * <pre>{@code
 * TrainingResult result = AlexNet4j.training(Path.of("photos"))   // photos/<class>/*.jpg
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
        return load(weights, Backends.AUTO);
    }

    /**
     * Loads weights on the backend called {@code backend} (reference, cpu, cuda or auto).
     * @throws IOException when the file cannot be read or is not a valid safetensors file
     * @throws IllegalArgumentException when its tensors do not match the model its metadata describes
     */
    public static ImageClassifier load(Path weights, String backend) throws IOException {
        ModelFiles.Weights read = ModelFiles.read(weights);
        Backend b = Backends.create(backend);
        try {
            return new ImageClassifier(read, b);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** A training run on an image folder ({@code dir/train} + {@code dir/val}, or {@code dir/<class>/*} split 90/10). */
    public static Training training(Path imageFolder) {
        return new Training(imageFolder);
    }
}
