// `alexnet4j eval`: top-1/top-5 error of trained weights on a labelled dataset.
package org.alexnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.data.BadImagePolicy;
import org.alexnet4j.data.Cifar10;
import org.alexnet4j.data.DataProblems;
import org.alexnet4j.data.DataSources;
import org.alexnet4j.data.Dataset;
import org.alexnet4j.data.Evaluation;
import org.alexnet4j.data.ImageFolder;
import org.alexnet4j.data.SyntheticDataset;
import org.alexnet4j.run.Evaluations;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.TrainSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Evaluates weights or a checkpoint on labelled images: top-1 and top-5 error, per-class accuracy, confusion matrix.",
                "Example: alexnet4j eval --weights runs/latest/weights.safetensors --synthetic --ten-crop --per-class"})
final class EvalCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelSource source;

    static final class DataOptions {
        @Option(names = "--data", paramLabel = "DIR", description = "An image folder DIR/<class>/* (every image is evaluated); of a folder split as DIR/train + DIR/val, DIR/val.")
        Path folder;

        @Option(names = "--cifar10", paramLabel = "DIR", description = "The CIFAR-10 test batch (test_batch.bin) in DIR.")
        Path cifar10;

        @Option(names = "--synthetic", paramLabel = "N", arity = "0..1", fallbackValue = "1000",
                description = "The first N images of the synthetic validation set (default 1000, what the bare train command validates on).")
        Integer synthetic;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") DataOptions data;

    @Option(names = "--ten-crop", description = "Average the probabilities of the four corner and centre crops and their mirrors (the paper's test).")
    boolean tenCrop;

    @Option(names = "--per-class", description = "Also print the accuracy of every class.")
    boolean perClass;

    @Option(names = "--confusion", description = "Also print the confusion matrix (rows: true class, columns: predicted).")
    boolean confusion;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per forward. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--loader-threads", paramLabel = "N", defaultValue = "2", description = "Threads that decode images. Default: ${DEFAULT-VALUE}.")
    int loaderThreads;

    @Mixin ImageOptions imageOptions;

    @Mixin BackendChoice backendChoice;

    @Override public Integer call() throws IOException {
        if (batch < 1) throw Usage.error(spec, "--batch must be >= 1, got " + batch);
        if (loaderThreads < 1) throw Usage.error(spec, "--loader-threads must be >= 1, got " + loaderThreads);
        Usage.check(spec, () -> HostLimits.requireThreads("--loader-threads", loaderThreads));
        if (data.synthetic != null && data.synthetic < 1) throw Usage.error(spec, "--synthetic needs a positive number of images, got " + data.synthetic);
        PrintWriter out = spec.commandLine().getOut();
        ModelFiles.Contents weights = source.read();
        Dataset dataset = dataset(weights, out);
        List<String> names = weights.model().classNames();
        if (!dataset.classNames().equals(names)) {
            out.println("note: the data's class names " + abbreviate(dataset.classNames()) + " differ from the model's " + abbreviate(names)
                    + "; labels are compared by index");
        }
        Evaluation result;
        try (Backend backend = backendChoice.create()) {
            result = Evaluations.evaluate(weights, backend, dataset, tenCrop, batch, loaderThreads);
        }
        out.printf(Locale.ROOT, "%s on %d images (%s): top-1 accuracy %.2f%% (error %.2f%%), top-5 accuracy %.2f%% (error %.2f%%)%n",
                source.file, result.images(), tenCrop ? "ten crops" : "centre crop", 100 * (1 - result.top1Error()), 100 * result.top1Error(),
                100 * (1 - result.top5Error()), 100 * result.top5Error());
        if (perClass) {
            double[] accuracy = result.perClassAccuracy();
            out.println("per-class top-1 accuracy:");
            for (int c = 0; c < accuracy.length; c++) out.printf(Locale.ROOT, "  %-20s %6.2f%%%n", names.get(c), 100 * accuracy[c]);
        }
        if (confusion) {
            out.println("confusion matrix (row: true class, column: predicted class, in label order):");
            long[][] m = result.confusion();
            for (int c = 0; c < m.length; c++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-20s", names.get(c)));
                for (long n : m[c]) row.append(String.format(Locale.ROOT, " %6d", n));
                out.println(row);
            }
        }
        out.flush();
        return 0;
    }

    /** The images to evaluate; with --bad-images skip, only those that decode (the others are counted in a line of {@code out}). */
    private Dataset dataset(ModelFiles.Contents weights, PrintWriter out) {
        if (data.cifar10 != null) return Cifar10.test(data.cifar10);
        if (data.synthetic != null) {
            return new SyntheticDataset(TrainSettings.DataChoice.Synthetic.DATA_SEED, 1, weights.model().preprocessing().side()).validation(data.synthetic);
        }
        Path folder = data.folder;
        Optional<Path> validation = DataSources.validationFolder(folder);
        if (validation.isPresent()) {
            folder = validation.get();
            out.println("note: " + data.folder + " holds " + DataSources.TRAIN + "/ and " + DataSources.VALIDATION + "/; evaluating " + folder);
        }
        ImageFolder images = ImageFolder.open(folder, imageOptions.reading());
        if (imageOptions.policy == BadImagePolicy.FAIL) return images;
        DataProblems problems = new DataProblems();
        problems.include(images.problems());
        Dataset readable = DataSources.readableImages(images, loaderThreads, problems);
        ImageOptions.reportSkipped(out, problems, "file");
        return readable;
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 5 ? names.toString() : names.subList(0, 5) + " (" + names.size() + " in all)";
    }
}
