package org.alexnet4j.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.backend.host.LargePages;

/**
 * Filters prepared for a kernel (packed into GEMM panels, split into stride phases, Winograd-transformed), kept
 * per weight tensor and reused while the tensor's contents are unchanged. The backend never sees the weights
 * change (an SGD step, a copy, another backend instance sharing the tensor all write it), so a prepared set is
 * valid exactly while the weights equal, bit for bit, the snapshot taken when it was made: one comparison per call
 * (a streaming read of the weights, stopping at the first difference), instead of preparing every call. Frozen
 * weights (Backend.freeze: the segment is read-only) cannot change, so theirs are compared once, then no more
 * while their memory lives (once: they may have been written before the freeze, or be new memory at a freed
 * tensor's address); at batch 1 the comparison of AlexNet's convolution weights took about a millisecond of a
 * forward (bench/RESULTS.md). A set prepared from frozen weights keeps no snapshot (for AlexNet's transposed FC weights
 * that would be another 234 MB): it is trusted while that memory lives and prepared anew for anything else. At
 * most {@link #ENTRIES} sets are kept, the least recently used freed first; a new set is checked against the memory
 * available first.
 */
final class FilterCache implements AutoCloseable {
    /** Prepared sets kept at most: every convolution of a network in both directions, with room to spare. */
    static final int ENTRIES = 32;

    /** Writes the prepared form of the current weights into {@code into}. */
    interface Preparation { void prepare(MemorySegment into); }

    /** kind: what was prepared (a record naming the preparation and every size it depends on). */
    private record Key(Object kind, long address, long bytes) {}

    /** snapshot: null when prepared from frozen weights; frozen: the lifetime of the read-only weights last found equal, else null. */
    private record Prepared(Arena arena, MemorySegment snapshot, MemorySegment segment, MemorySegment.Scope frozen) {
        Prepared frozen(MemorySegment.Scope scope) { return new Prepared(arena, snapshot, segment, scope); }
    }

    private final LinkedHashMap<Key, Prepared> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Key, Prepared> eldest) {
            if (size() <= ENTRIES) return false;
            eldest.getValue().arena().close();
            return true;
        }
    };

    /** The prepared form ({@code floats} floats) of weights {@code w}: the kept one while w is unchanged, else prepared anew. */
    MemorySegment get(Object kind, MemorySegment w, long floats, Preparation preparation) {
        Key key = new Key(kind, w.address(), w.byteSize());
        Prepared kept = entries.get(key);
        MemorySegment.Scope frozen = w.isReadOnly() ? w.scope() : null;
        boolean trusted = kept != null && frozen != null && frozen.equals(kept.frozen());
        if (kept != null && (trusted || kept.snapshot() != null
                && MemorySegment.mismatch(kept.snapshot(), 0, w.byteSize(), w, 0, w.byteSize()) == -1)) {
            if (frozen != null && !trusted) entries.put(key, kept.frozen(frozen)); // frozen since last compared: trusted from now on
            return kept.segment();
        }
        if (kept != null && kept.snapshot() == null && frozen == null) { // made without a snapshot, needed now
            entries.remove(key);
            kept.arena().close();
            kept = null;
        }
        if (kept == null) {
            long snapshot = frozen == null ? w.byteSize() : 0;
            HostLimits.requireNative(String.format(Locale.ROOT, "prepared filters (%s) of %,d floats%s", kind, floats,
                    frozen == null ? " and a snapshot of their weights" : ""), Math.addExact(Math.multiplyExact(floats, Float.BYTES), snapshot));
            Arena arena = Arena.ofShared();
            kept = new Prepared(arena, frozen == null ? arena.allocate(snapshot, 64) : null, LargePages.allocate(arena, floats * Float.BYTES, 64), null);
        }
        entries.remove(key); // kept again only once whole: a preparation that fails halfway leaves nothing to reuse
        try {
            preparation.prepare(kept.segment());
        } catch (RuntimeException | Error e) {
            kept.arena().close();
            throw e;
        }
        if (kept.snapshot() != null) MemorySegment.copy(w, 0, kept.snapshot(), 0, w.byteSize());
        entries.put(key, kept.frozen(frozen));
        return kept.segment();
    }

    @Override public void close() {
        for (Prepared p : entries.values()) p.arena().close();
        entries.clear();
    }
}
