package org.alexnet4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Flatten;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.tensor.Shape;

/**
 * A torchsummary-style table of a network: one row per layer (name, type, output shape with batch -1,
 * parameters) and the totals. Sizes count as torchsummary does, float32 in MiB ("MB"): input = one image;
 * forward/backward pass = every row's output x 2 (value and gradient), except Flatten, which is a view
 * (the reference model called torch.flatten, which has no row); params = every parameter. Buffers such as
 * batch-norm running statistics are not parameters and are not counted, as in torchsummary.
 */
public record ModelSummary(List<Row> rows, long totalParameters, long trainableParameters, double inputMegabytes,
                           double forwardBackwardMegabytes, double parameterMegabytes) {
    private static final double MEGABYTE = 1024.0 * 1024.0;

    /** One layer: its name and type, its output shape for one image (batch 1), its parameter count. */
    public record Row(String name, String type, Shape outputShape, long parameters, boolean countedInPassSize) {}

    public static ModelSummary of(Architecture architecture) {
        List<Row> rows = new ArrayList<>();
        long parameters = 0, activations = 0;
        List<Layer> layers = architecture.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            Shape out = architecture.outputShape(i, 1);
            boolean counted = !(layer instanceof Flatten);
            rows.add(new Row(layer.name(), layer.type(), out, architecture.parameterCount(i), counted));
            parameters += architecture.parameterCount(i);
            if (counted) activations += out.size();
        }
        return new ModelSummary(List.copyOf(rows), parameters, parameters, architecture.input().size() * 4.0 / MEGABYTE,
                activations * 2 * 4.0 / MEGABYTE, parameters * 4.0 / MEGABYTE);
    }

    /** Parameters without a gradient; every parameter of this engine trains, so this is 0. */
    public long nonTrainableParameters() { return totalParameters - trainableParameters; }

    public double totalMegabytes() { return inputMegabytes + forwardBackwardMegabytes + parameterMegabytes; }

    /** The table as text, laid out as torchsummary prints it. */
    public String format() {
        int labelWidth = Math.max(20, rows.stream().mapToInt(r -> label(r).length()).max().orElse(0));
        String row = "%" + labelWidth + "s  %25s %15s%n";
        String rule = "-".repeat(labelWidth + 44), doubleRule = "=".repeat(labelWidth + 44);
        StringBuilder b = new StringBuilder();
        b.append(rule).append('\n');
        b.append(String.format(Locale.ROOT, row, "Layer (type)", "Output Shape", "Param #"));
        b.append(doubleRule).append('\n');
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, row, label(r), batchless(r.outputShape()), String.format(Locale.ROOT, "%,d", r.parameters())));
        }
        b.append(doubleRule).append('\n');
        b.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParameters));
        b.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainableParameters));
        b.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", nonTrainableParameters()));
        b.append(rule).append('\n');
        b.append(String.format(Locale.ROOT, "Input size (MB): %.2f%n", inputMegabytes));
        b.append(String.format(Locale.ROOT, "Forward/backward pass size (MB): %.2f%n", forwardBackwardMegabytes));
        b.append(String.format(Locale.ROOT, "Params size (MB): %.2f%n", parameterMegabytes));
        b.append(String.format(Locale.ROOT, "Estimated Total Size (MB): %.2f%n", totalMegabytes()));
        b.append(rule).append('\n');
        return b.toString();
    }

    private static String label(Row r) { return r.name() + " (" + r.type() + ")"; }

    /** [-1, 96, 55, 55]: the shape with the batch dimension shown as -1. */
    static String batchless(Shape shape) {
        StringBuilder b = new StringBuilder("[-1");
        for (int i = 1; i < shape.rank(); i++) b.append(", ").append(shape.dim(i));
        return b.append(']').toString();
    }
}
