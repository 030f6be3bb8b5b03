package org.alexnet4j.bench;

import java.util.Arrays;
import java.util.Locale;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * The error of the cpu backend's convolutions against the float64 reference at AlexNet's layer shapes (batch 4, where the fast setting takes its largest Winograd tiles for conv1 to conv5, or the batch given),
 * per algorithm setting: the largest error and the root mean square error, each relative to the reference's
 * largest magnitude and root mean square. Forward: ReLU inputs of about the paper's magnitudes (pixels of +-60 for
 * conv1, |N(0, 3^2)| above), weights N(0, 0.01^2), bias 1; backward-data and backward-filter (the weight gradient, summed over
 * the batch into zeros): gradients N(0, 1e-3^2).
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.alexnet4j.bench.ConvolutionAccuracy [BATCH]</pre>
 */
public final class ConvolutionAccuracy {
    private ConvolutionAccuracy() {}

    private record Layer(String name, int c, int size, int k, int r, int stride, int pad, int groups) {}

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        if (args.length > 1 || (args.length == 1 && !args[0].matches("[1-9][0-9]?"))) {
            System.err.println("usage: ConvolutionAccuracy [BATCH, 1 to 99; default 4]");
            System.exit(2);
        }
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        Layer[] layers = {new Layer("conv1", 3, 227, 96, 11, 4, 0, 1), new Layer("conv2", 96, 27, 256, 5, 1, 2, 1), new Layer("conv2g2", 96, 27, 256, 5, 1, 2, 2),
                new Layer("conv3", 256, 13, 384, 3, 1, 1, 1), new Layer("conv4", 384, 13, 384, 3, 1, 1, 1), new Layer("conv4g2", 384, 13, 384, 3, 1, 1, 2),
                new Layer("conv5", 384, 13, 256, 3, 1, 1, 1), new Layer("conv5g2", 384, 13, 256, 3, 1, 1, 2)};
        CpuOptions.ConvolutionAlgorithm[] settings = {CpuOptions.ConvolutionAlgorithm.EXACT, CpuOptions.ConvolutionAlgorithm.FAST};
        System.out.println("layer     direction       setting  max|err|/max|y|  rms(err)/rms(y)");
        try (Backend reference = Backends.create("reference")) {
            for (Layer layer : layers) {
                int n = batch;
                ConvSpec spec = new ConvSpec(layer.stride(), layer.stride(), layer.pad(), layer.pad(), layer.groups());
                Shape xs = Shape.of(n, layer.c(), layer.size(), layer.size()), ws = Shape.of(layer.k(), layer.c() / layer.groups(), layer.r(), layer.r());
                Shape ys = spec.outputShape(xs, ws);
                float[] x = Checks.gaussian(1, xs.size(), layer.stride() > 1 ? 60 : 3), w = Checks.gaussian(2, ws.size(), 0.01);
                if (layer.stride() == 1) for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]); // ReLU outputs
                float[] bias = new float[layer.k()], dy = Checks.gaussian(4, ys.size(), 1e-3);
                Arrays.fill(bias, 1f);
                float[][] expected = run(reference, spec, xs, ws, ys, x, w, bias, dy);
                for (CpuOptions.ConvolutionAlgorithm setting : settings) {
                    BackendOptions options = BackendOptions.defaults().withThreads(2).withCpu(CpuOptions.defaults().withConvolution(setting));
                    float[][] actual;
                    try (Backend cpu = Backends.create("cpu", options)) {
                        actual = run(cpu, spec, xs, ws, ys, x, w, bias, dy);
                    }
                    report(layer.name(), "forward", setting, expected[0], actual[0]);
                    if (layer.stride() == 1) report(layer.name(), "backward-data", setting, expected[1], actual[1]);
                    report(layer.name(), "backward-filter", setting, expected[2], actual[2]);
                }
            }
        }
    }

    /** relu(conv + bias), the backward-data (stride 1) and the backward-filter on one backend. */
    private static float[][] run(Backend b, ConvSpec spec, Shape xs, Shape ws, Shape ys, float[] x, float[] w, float[] bias, float[] dy) {
        try (Tensor tx = Checks.upload(b, xs, x); Tensor tw = Checks.upload(b, ws, w); Tensor tb = Checks.upload(b, Shape.of(ws.dim(0)), bias);
             Tensor ty = b.allocate(ys); Tensor tdy = Checks.upload(b, ys, dy); Tensor tdx = b.allocate(xs);
             Tensor tdw = Checks.upload(b, ws, new float[Math.toIntExact(ws.size())])) {
            b.conv2dReluForward(ty, tx, tw, tb, spec);
            if (spec.strideH() == 1) b.conv2dBackwardData(tdx, tdy, tw, spec);
            b.conv2dBackwardFilter(tdw, tdy, tx, spec);
            return new float[][] {Checks.download(b, ty), Checks.download(b, tdx), Checks.download(b, tdw)};
        }
    }

    private static void report(String layer, String direction, CpuOptions.ConvolutionAlgorithm setting, float[] expected, float[] actual) {
        double max = 0, maxError = 0, squares = 0, squaredErrors = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs((double) actual[i] - expected[i]);
            if (!Float.isFinite(actual[i])) throw new IllegalStateException(layer + " " + direction + ": a non-finite output");
            max = Math.max(max, Math.abs(expected[i]));
            maxError = Math.max(maxError, e);
            squares += (double) expected[i] * expected[i];
            squaredErrors += e * e;
        }
        System.out.printf("%-9s %-15s %-8s %15.2e  %15.2e%n", layer, direction, setting.name().toLowerCase(Locale.ROOT), maxError / max,
                Math.sqrt(squaredErrors / squares));
    }
}
