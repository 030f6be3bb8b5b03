// The model options shared by info, train and bench: variant, classes, input size, width multiplier.
package org.alexnet4j.cli;

import org.alexnet4j.model.AlexNet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Which AlexNet to build; unset options fall back to the variant's own values or the command's defaults. */
final class ModelOptions {
    @Spec(Spec.Target.MIXEE) CommandSpec command;

    @Option(names = "--variant", paramLabel = "V",
            description = "paper, single-tower, caffe, batchnorm or torchvision ('alexnet4j info --variant V' prints its layers).")
    String variant;

    @Option(names = "--classes", paramLabel = "N", description = "Number of classes (default: from the data, or 1000).")
    Integer classes;

    @Option(names = "--input", paramLabel = "S", description = "Input side in pixels, at least 67 (63 for torchvision) (default: the variant's 227 or 224; train's synthetic demo: 67).")
    Integer input;

    @Option(names = "--width", paramLabel = "W", description = "Width multiplier of every conv and FC layer (default: 1.0).")
    Double width;

    /**
     * The configuration these options describe, on top of {@code defaults}. Without --input the size is
     * {@code defaultInput}, or the variant's own when that is null. A configuration that cannot be built
     * (an unknown variant, a value out of range, an input too small for the layers) is a usage error.
     */
    AlexNet.Config config(AlexNet.Config defaults, Integer defaultInput) {
        return Usage.check(command, () -> {
            AlexNet.Config c = configure(defaults, defaultInput);
            AlexNet.architecture(c);
            return c;
        });
    }

    private AlexNet.Config configure(AlexNet.Config defaults, Integer defaultInput) {
        AlexNet.Config c = defaults;
        if (variant != null) {
            AlexNet.Variant v = AlexNet.Variant.parse(variant);
            c = new AlexNet.Config(v, c.classes(), v.inputSize(), c.widthMultiplier(), c.dropout(), c.positiveBias(), c.weightInit());
        }
        if (classes != null) c = c.withClasses(classes);
        if (input != null) c = c.withInputSize(input);
        else if (defaultInput != null) c = c.withInputSize(defaultInput);
        if (width != null) c = c.withWidthMultiplier(width);
        return c;
    }
}
