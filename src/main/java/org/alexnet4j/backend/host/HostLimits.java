// What this machine can give a computation: worker threads, native memory, Java arrays and heap.
package org.alexnet4j.backend.host;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.alexnet4j.backend.MemoryLimitException;

/**
 * Limits checked before a thread pool or a large buffer is created, so that a request the machine cannot
 * serve fails with one line naming the value and the limit instead of an overflowed size, an
 * OutOfMemoryError or the kernel's OOM killer. Sizes are computed in long.
 * <ul>
 *   <li>threads: at most {@value #THREADS_PER_PROCESSOR} per available processor (and never fewer than
 *       {@value #MIN_THREAD_LIMIT} allowed): more only add memory and scheduling for no speed;</li>
 *   <li>native memory (off-heap tensors and buffers): an allocation of {@value #CHECKED_BYTES} bytes or more
 *       must fit what the operating system reports available (Linux: MemAvailable of /proc/meminfo), less
 *       the heap the JVM may still claim (-Xmx minus what it holds now) and a reserve for everything else
 *       ({@value #RESERVE_PERCENT}% of the machine's memory, at least 512 MiB); earlier allocations are
 *       zero-filled, so they are already counted in what is available;</li>
 *   <li>Java arrays: at most {@value #MAX_ARRAY_LENGTH} elements, and their bytes at most the JVM's maximum heap.</li>
 * </ul>
 */
public final class HostLimits {
    public static final int THREADS_PER_PROCESSOR = 4;
    public static final int MIN_THREAD_LIMIT = 16;
    /** The longest array every JVM allocates (a few header words below Integer.MAX_VALUE). */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    /** Smaller native allocations are not checked: each is negligible, and together they are in MemAvailable. */
    public static final long CHECKED_BYTES = 16L << 20;

    /** The share of the machine's memory never handed to tensors, so the system and other programs keep running. */
    public static final int RESERVE_PERCENT = 5;

    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private HostLimits() {}

    /** The most worker threads one pool may have on this machine. */
    public static int maxThreads() {
        return Math.max(MIN_THREAD_LIMIT, THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors());
    }

    /** {@code threads}, or IllegalArgumentException when above {@link #maxThreads()}; {@code what} names the setting. */
    public static int requireThreads(String what, int threads) {
        int max = maxThreads();
        if (threads > max) {
            throw new IllegalArgumentException(what + " " + threads + " is more than this machine can use: at most " + max + " ("
                    + THREADS_PER_PROCESSOR + " per processor, " + Runtime.getRuntime().availableProcessors() + " processors)");
        }
        return threads;
    }

    /** Throws {@link MemoryLimitException} when {@code bytes} of native memory for {@code what} cannot be had now. */
    public static void requireNative(String what, long bytes) {
        if (bytes < CHECKED_BYTES) return;
        long available = availableNative();
        if (bytes > available) {
            throw new MemoryLimitException("cannot allocate " + size(bytes) + " for " + what + ": " + size(Math.max(0, available))
                    + " of memory is available on this machine (besides the Java heap)");
        }
    }

    /**
     * The length of an array of {@code elements} elements of {@code bytesPerElement} bytes for {@code what};
     * throws {@link MemoryLimitException} when it exceeds the longest array or the JVM's maximum heap.
     */
    public static int arrayLength(String what, long elements, int bytesPerElement) {
        if (elements < 0 || elements > MAX_ARRAY_LENGTH) {
            throw new MemoryLimitException(what + " needs " + String.format(Locale.ROOT, "%,d", elements)
                    + " elements, more than one Java array holds (" + String.format(Locale.ROOT, "%,d", MAX_ARRAY_LENGTH) + ")");
        }
        long bytes = elements * bytesPerElement, heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) {
            throw new MemoryLimitException(what + " needs " + size(bytes) + " of Java heap, more than the JVM's maximum of " + size(heap)
                    + " (raise it with -Xmx)");
        }
        return (int) elements;
    }

    /** A new float[elements] for {@code what}, checked as {@link #arrayLength}. */
    public static float[] floats(String what, long elements) { return new float[arrayLength(what, elements, Float.BYTES)]; }

    /** Bytes of native memory a new allocation may take now (see the class comment). */
    public static long availableNative() {
        Runtime runtime = Runtime.getRuntime();
        long heapStillClaimable = runtime.maxMemory() - runtime.totalMemory();
        long total = totalMemory(), reserve = Math.max(512L << 20, total / 100 * RESERVE_PERCENT);
        return osAvailable(total) - heapStillClaimable - reserve;
    }

    private static long totalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    }

    private static long osAvailable(long total) {
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith("MemAvailable:")) {
                    return Math.min(total, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or no such line: the JVM's own view below
        }
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getFreeMemorySize();
    }

    /** "43.3 GiB", "512.0 MiB". */
    static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
