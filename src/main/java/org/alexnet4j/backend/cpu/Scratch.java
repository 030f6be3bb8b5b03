package org.alexnet4j.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.host.HostLimits;

/**
 * One worker's reusable off-heap buffers (packed GEMM panels, im2col columns, gradient accumulators, Winograd's
 * transformed input and products, a strided layer's phase images and its phase filters' gradient),
 * 64-byte aligned, on ordinary pages (on huge pages, {@link org.alexnet4j.backend.host.LargePages}, the forward at
 * batch 64 measured up to 8% slower, bench/RESULTS.md). A buffer grows to the largest size asked for and is then reused, so steady-state
 * training allocates nothing; everything is freed by {@link #close()}.
 */
final class Scratch implements AutoCloseable {
    /** The roles a buffer plays; each role has its own buffer so one op can use several at once. */
    enum Role { PACKED_A, PACKED_B, TILE, COLUMNS, ACCUMULATOR, PLANE, TRANSFORMED_INPUT, PRODUCTS, PHASES, PHASE_FILTER_GRADIENT }

    private final Arena[] arenas = new Arena[Role.values().length];
    private final MemorySegment[] segments = new MemorySegment[Role.values().length];

    /** A buffer of at least {@code floats} floats for {@code role}; its contents are unspecified. */
    MemorySegment get(Role role, long floats) {
        int r = role.ordinal();
        if (segments[r] == null || segments[r].byteSize() < floats * 4) {
            HostLimits.requireNative("a cpu scratch buffer of " + floats + " floats", floats * 4);
            if (arenas[r] != null) arenas[r].close();
            arenas[r] = Arena.ofShared();
            segments[r] = arenas[r].allocate(Math.max(floats, 16) * 4, 64);
        }
        return segments[r];
    }

    @Override public void close() {
        for (int r = 0; r < arenas.length; r++) {
            if (arenas[r] != null) arenas[r].close();
            arenas[r] = null;
            segments[r] = null;
        }
    }
}
