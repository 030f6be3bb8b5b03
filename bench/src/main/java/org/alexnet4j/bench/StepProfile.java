package org.alexnet4j.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.train.Sgd;

/**
 * Where a single-tower training step on the cpu backend goes, per op, under the exact and the fast convolution
 * settings side by side: one network per setting, same weights and batch, steps alternating between them in one
 * JVM. Each Backend call is timed by a wrapper (the ops are synchronous on the cpu backend); convolutions are
 * named by their filter shape. Prints the mean ms per step of the steps after the warm-up. The first step's losses
 * must agree (the settings differ by rounding only) and every loss must be finite, else it fails. With
 * {@code forward} it profiles the evaluation forward alone with the weights frozen (what a loaded model runs), with the
 * same checks. The weights are initialised as the paper does (seed 1), or by He's rule ({@code he}, as in the peers'
 * comparison: zero biases, a third to a half of the FC layers' inputs zero, where the paper's biases of 1 leave few).
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar org.alexnet4j.bench.StepProfile [BATCH [STEPS [WARMUP [train|forward [paper|he]]]]]</pre>
 */
public final class StepProfile {
    private StepProfile() {}

    /** A backend whose calls add their wall time, per op name, to {@code times} while {@code timing[0]}. */
    private static Backend timed(Backend real, Map<String, Double> times, boolean[] timing) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
            long began = System.nanoTime();
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (timing[0]) times.merge(opName(method.getName(), args), (System.nanoTime() - began) / 1e6, Double::sum);
            }
        });
    }

    private static String opName(String method, Object[] args) {
        return switch (method) {
            case "conv2dForward", "conv2dReluForward", "conv2dBackwardData" -> method + " w" + ((Tensor) args[2]).shape();
            case "conv2dBackwardFilter" -> method + " w" + ((Tensor) args[0]).shape();
            case "linearForward" -> method + " w" + ((Tensor) args[2]).shape();
            default -> method;
        };
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64, steps = args.length > 1 ? Integer.parseInt(args[1]) : 5,
                warmup = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        boolean train = args.length < 4 || switch (args[3]) {
            case "train" -> true;
            case "forward" -> false;
            default -> throw new IllegalArgumentException("train or forward, not " + args[3]);
        };
        CpuOptions.ConvolutionAlgorithm[] settings = {CpuOptions.ConvolutionAlgorithm.EXACT, CpuOptions.ConvolutionAlgorithm.FAST};
        AlexNet.Config config = AlexNet.Config.of(AlexNet.Variant.SINGLE_TOWER)
                .withWeightInit(AlexNet.WeightInit.parse(args.length > 4 ? args[4] : "paper"));
        Shape images = Shape.of(batch, 3, 227, 227), logits = Shape.of(batch, config.classes());
        float[] pixels = Checks.gaussian(1, images.size(), 50);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % config.classes();

        Backend[] real = new Backend[2], backends = new Backend[2];
        Sequential[] networks = new Sequential[2];
        Tensor[][] tensors = new Tensor[2][];
        @SuppressWarnings("unchecked") Map<String, Double>[] times = new Map[] {new TreeMap<String, Double>(), new TreeMap<String, Double>()};
        double[] total = new double[2];
        float[] firstLoss = new float[2];
        boolean[] timing = {false};
        try {
            for (int s = 0; s < 2; s++) {
                real[s] = Backends.create("cpu", BackendOptions.defaults().withCpu(CpuOptions.defaults().withConvolution(settings[s])));
                backends[s] = timed(real[s], times[s], timing);
                networks[s] = AlexNet.create(backends[s], config, 1);
                if (!train) networks[s].weights().freeze(); // as a loaded model's are
                tensors[s] = new Tensor[] {Checks.upload(backends[s], images, pixels), backends[s].allocate(logits), backends[s].allocate(logits)};
            }
            for (int step = 0; step < warmup + steps; step++) {
                timing[0] = step >= warmup;
                for (int s = 0; s < 2; s++) {
                    Backend b = backends[s];
                    long began = System.nanoTime();
                    Tensor out = networks[s].forward(tensors[s][0], train);
                    float loss = b.softmaxCrossEntropyForward(tensors[s][1], out, labels);
                    if (train) {
                        b.softmaxCrossEntropyBackward(tensors[s][2], tensors[s][1], labels);
                        networks[s].backward(tensors[s][2]);
                        Sgd.paper().step(networks[s], 0.001f);
                    }
                    b.synchronize();
                    if (timing[0]) total[s] += (System.nanoTime() - began) / 1e6;
                    if (!Float.isFinite(loss)) throw new IllegalStateException(settings[s] + ": loss " + loss + " at step " + step);
                    if (step == 0) firstLoss[s] = loss;
                }
                if (step == 0 && Math.abs(firstLoss[0] - firstLoss[1]) > 1e-4 * Math.abs(firstLoss[0])) {
                    throw new IllegalStateException("the settings' first losses differ: " + firstLoss[0] + " and " + firstLoss[1]);
                }
            }
        } finally {
            for (int s = 0; s < 2; s++) {
                if (networks[s] != null) networks[s].close();
                if (real[s] != null) real[s].close();
            }
        }
        System.out.printf("single-tower %s, batch %d, mean of %d steps after %d (ms per step)%n", train ? "training step" : "evaluation forward",
                batch, steps, warmup);
        System.out.printf("%-48s %9s %9s%n", "op", "exact", "fast");
        System.out.printf("%-48s %9.1f %9.1f%n", "whole step", total[0] / steps, total[1] / steps);
        times[1].entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .forEach(e -> System.out.printf("%-48s %9.1f %9.1f%n", e.getKey(), times[0].getOrDefault(e.getKey(), 0.0) / steps, e.getValue() / steps));
    }
}
