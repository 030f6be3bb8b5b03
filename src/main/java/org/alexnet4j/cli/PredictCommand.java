// `alexnet4j predict`: the top classes of image files.
package org.alexnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnet4j.ImageClassifier;
import org.alexnet4j.Prediction;
import org.alexnet4j.Predictor;
import org.alexnet4j.data.BadImagePolicy;
import org.alexnet4j.data.DataException;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.TrainedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Prints the most probable classes of each image with their probabilities. An image that cannot be classified",
                "is reported on standard error and the others go on; the exit code is then 1, or 0 with --bad-images skip.",
                "Example: alexnet4j predict --weights runs/latest/weights.safetensors cat.jpg dog.png"})
final class PredictCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelSource source;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names, one per line in label order (default: those saved with the weights).")
    Path labels;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "Classes shown per image. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--ten-crop", description = "Average over the paper's ten crops instead of the centre crop.")
    boolean tenCrop;

    @Mixin ImageOptions imageOptions;

    @Mixin BackendChoice backendChoice;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "JPEG, PNG, BMP or GIF files.")
    List<Path> images;

    @Override public Integer call() throws IOException {
        if (top < 1) throw Usage.error(spec, "--top must be >= 1, got " + top);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ModelFiles.Contents weights = source.read();
        if (labels != null) weights = new ModelFiles.Contents(withNames(weights.model(), readLabels(labels, weights.model().config().classes())),
                weights.tensors(), weights.file());
        int failed = 0;
        try (ImageClassifier model = ImageClassifier.open(weights, backendChoice.create());
             Predictor predictor = model.newPredictor(tenCrop ? Predictor.Crops.TEN : Predictor.Crops.CENTRE)) {
            for (Path image : images) {
                List<Prediction> predictions;
                try {
                    predictions = predictor.classify(ImageDecoder.decode(image, imageOptions.maxPixels()), top);
                } catch (DataException | ArithmeticException e) {
                    failed++;
                    String message = Failures.oneLine(e);
                    if (!message.startsWith(image.toString())) message = image + ": " + message;
                    err.println("alexnet4j predict: " + (imageOptions.policy == BadImagePolicy.SKIP ? "skipped " : "error: ") + message);
                    err.flush();
                    continue;
                }
                out.println(image + ":");
                for (Prediction p : predictions) out.printf(Locale.ROOT, "  %8.4f%%  %s%n", 100 * p.probability(), p.className());
                out.flush();
            }
        }
        if (failed > 0 && images.size() > 1) {
            err.println("alexnet4j predict: " + failed + " of " + images.size() + " images " + (imageOptions.policy == BadImagePolicy.SKIP ? "skipped" : "failed"));
        }
        return failed > 0 && imageOptions.policy == BadImagePolicy.FAIL ? Main.EXIT_FAILURE : 0;
    }

    private static TrainedModel withNames(TrainedModel model, List<String> names) {
        return new TrainedModel(model.config(), names, model.preprocessing());
    }

    /** The non-empty lines of {@code file}; exactly one per class. */
    static List<String> readLabels(Path file, int classes) throws IOException {
        List<String> names = Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (names.size() != classes) {
            throw new IllegalArgumentException("--labels " + file + " has " + names.size() + " names, the model has " + classes + " classes");
        }
        return names;
    }
}
