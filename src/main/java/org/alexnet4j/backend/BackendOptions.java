package org.alexnet4j.backend;

import java.util.Locale;
import org.alexnet4j.backend.host.HostLimits;

/**
 * How to configure a backend when it is created. threads: worker threads for host backends (0 = one per
 * available processor; at most {@link HostLimits#maxThreads()}). precision: the math of the convolutions and matrix products (see {@link Precision});
 * a backend that cannot do it refuses it when created. device: which GPU a device backend runs on (0 = the
 * first); host backends have one device, 0. cpu: how the cpu backend computes ({@link CpuOptions}; other backends
 * ignore it). Start from {@link #defaults()} and change what differs with the {@code with...} methods.
 */
public record BackendOptions(int threads, Precision precision, int device, CpuOptions cpu) {
    public BackendOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), got " + threads);
        HostLimits.requireThreads("threads", threads);
        if (precision == null) throw new IllegalArgumentException("precision must not be null");
        if (device < 0) throw new IllegalArgumentException("device must be >= 0, got " + device);
        if (cpu == null) throw new IllegalArgumentException("cpu options must not be null");
    }

    /** All processors, FP32, device 0, and the cpu options of the system properties ({@link CpuOptions#defaults()}). */
    public static BackendOptions defaults() { return new BackendOptions(0, Precision.FP32, 0, CpuOptions.defaults()); }

    public BackendOptions withThreads(int threads) { return new BackendOptions(threads, precision, device, cpu); }

    public BackendOptions withPrecision(Precision precision) { return new BackendOptions(threads, precision, device, cpu); }

    public BackendOptions withDevice(int device) { return new BackendOptions(threads, precision, device, cpu); }

    public BackendOptions withCpu(CpuOptions cpu) { return new BackendOptions(threads, precision, device, cpu); }

    /** The thread count to use: the configured one, or every available processor. */
    public int resolvedThreads() { return threads > 0 ? threads : Runtime.getRuntime().availableProcessors(); }

    /**
     * The number format of the operands of convolutions and matrix products; every other op, the parameters,
     * their gradients and the SGD update stay IEEE float32, and products are always accumulated in float32 or
     * better. FP32: float32 operands. TF32: operands cut to 10 mantissa bits (tensor cores). BF16: operands
     * rounded to bfloat16 (8 significant bits), results of convolutions too. FP16: operands scaled by a power
     * of two and rounded to IEEE half (11 significant bits), results of convolutions too.
     */
    public enum Precision {
        FP32, TF32, BF16, FP16;

        /** "fp32", "TF32", "bf16" ...; throws naming the accepted values. */
        public static Precision parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown precision '" + name + "'; known: fp32, tf32, bf16, fp16");
            }
        }

        /** The lower-case name used on the command line. */
        public String id() { return name().toLowerCase(Locale.ROOT); }
    }
}
