package org.alexnet4j.backend.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.alexnet4j.backend.MemoryLimitException;
import org.alexnet4j.tensor.Storage;
import org.alexnet4j.tensor.Tensor;

/**
 * Off-heap float32 memory for the host backends (reference, cpu): one 64-byte-aligned, zero-filled segment of a
 * shared Arena, on huge pages from 2 MiB ({@link LargePages}). Every access goes through a bounds-checked
 * MemorySegment, so a wrong index throws instead of crashing the JVM, and use after close throws
 * IllegalStateException. A frozen storage hands out read-only views only.
 */
public final class HostStorage implements Storage {
    public static final long ALIGNMENT = 64;

    private final Arena arena;
    private final MemorySegment segment;
    private final String backendName;
    /** Set once by {@link #freeze}: from then on only read-only views are handed out. */
    private volatile boolean frozen;

    /** @throws MemoryLimitException when the machine does not have the memory (see {@link HostLimits#requireNative}) */
    public HostStorage(long floats, String backendName) {
        HostLimits.requireNative("a " + backendName + " tensor of " + String.format(java.util.Locale.ROOT, "%,d", floats) + " floats", floats * Float.BYTES);
        this.arena = Arena.ofShared();
        this.segment = LargePages.allocate(arena, floats * Float.BYTES, ALIGNMENT);
        this.backendName = backendName;
    }

    @Override public long floats() { return segment.byteSize() / Float.BYTES; }

    @Override public String backendName() { return backendName; }

    @Override public synchronized void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    /**
     * The bytes of {@code t}'s window; throws if t belongs to another backend. {@code role} names the
     * argument in the message (e.g. "conv2dForward y").
     */
    public static MemorySegment segment(Tensor t, String backendName, String role) {
        return window(of(t, backendName, role), t);
    }

    /** {@link #segment} for a tensor about to be written whole (a copy or fill): a frozen one is refused, naming it. */
    public static MemorySegment target(Tensor t, String backendName, String role) {
        HostStorage h = of(t, backendName, role);
        if (h.frozen) throw new IllegalStateException(role + ": tensor " + t + " is frozen (Backend.freeze) and cannot be written");
        return window(h, t);
    }

    private static MemorySegment window(HostStorage h, Tensor t) {
        MemorySegment window = h.segment.asSlice(t.offset() * Float.BYTES, t.size() * Float.BYTES);
        return h.frozen ? window.asReadOnly() : window;
    }

    /** Makes t's whole storage read-only for good ({@link org.alexnet4j.backend.Backend#freeze}): every later segment is a read-only view. */
    public static void freeze(Tensor t, String backendName) { of(t, backendName, "freeze t").frozen = true; }

    private static HostStorage of(Tensor t, String backendName, String role) {
        if (t == null) throw new NullPointerException(role + " is null");
        if (!(t.storage() instanceof HostStorage h) || !h.backendName.equals(backendName)) {
            throw new IllegalArgumentException(role + ": tensor " + t + " belongs to backend '" + t.storage().backendName()
                    + "', not '" + backendName + "'");
        }
        return h;
    }

    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
}
