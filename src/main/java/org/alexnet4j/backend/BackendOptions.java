package org.alexnet4j.backend;

/**
 * How to configure a backend when it is created. threads: worker threads for host backends (0 = one per
 * available processor). precision: the math mode of backends that have more than one. Start from
 * {@link #defaults()} and change what differs with the {@code with...} methods.
 */
public record BackendOptions(int threads, Precision precision) {
    public BackendOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), got " + threads);
        if (precision == null) throw new IllegalArgumentException("precision must not be null");
    }

    public static BackendOptions defaults() { return new BackendOptions(0, Precision.FP32); }

    public BackendOptions withThreads(int threads) { return new BackendOptions(threads, precision); }

    public BackendOptions withPrecision(Precision precision) { return new BackendOptions(threads, precision); }

    /** The thread count to use: the configured one, or every available processor. */
    public int resolvedThreads() { return threads > 0 ? threads : Runtime.getRuntime().availableProcessors(); }

    /** FP32: IEEE single precision everywhere. TF32: tensor-core math with 10-bit mantissas where a backend has it. */
    public enum Precision { FP32, TF32 }
}
