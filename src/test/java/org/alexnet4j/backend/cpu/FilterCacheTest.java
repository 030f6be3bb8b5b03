package org.alexnet4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.alexnet4j.backend.MemoryLimitException;
import org.junit.jupiter.api.Test;

/**
 * Prepared filters are reused exactly while the weights keep their bits: a change of one weight in place, another
 * tensor, another kind of preparation each prepare anew, and the oldest of more than ENTRIES sets is dropped; frozen
 * (read-only) weights are compared once for the memory they live in, then no more, and a set prepared from them keeps
 * no snapshot; a preparation that fails halfway leaves nothing to reuse; a set larger than the machine's memory is
 * refused before anything is allocated or prepared.
 */
class FilterCacheTest {
    /** Prepares "weights + 1" into the target and counts the calls. */
    private static final class Plus implements FilterCache.Preparation {
        final MemorySegment weights;
        int calls;

        Plus(MemorySegment weights) { this.weights = weights; }

        @Override public void prepare(MemorySegment into) {
            calls++;
            for (long i = 0; i < weights.byteSize() / 4; i++) into.setAtIndex(ValueLayout.JAVA_FLOAT, i, weights.getAtIndex(ValueLayout.JAVA_FLOAT, i) + 1);
        }
    }

    @Test
    void preparedFiltersFollowTheWeightsBits() {
        try (Arena arena = Arena.ofConfined(); FilterCache cache = new FilterCache()) {
            MemorySegment w = arena.allocate(400, 64), other = arena.allocate(400, 64);
            Plus plus = new Plus(w), plusOther = new Plus(other);
            MemorySegment first = cache.get("plus", w, 100, plus);
            assertEquals(1f, first.getAtIndex(ValueLayout.JAVA_FLOAT, 7));
            cache.get("plus", w, 100, plus);
            assertEquals(1, plus.calls, "unchanged weights: kept");
            w.setAtIndex(ValueLayout.JAVA_FLOAT, 99, 2f); // the last weight, changed in place
            assertEquals(3f, cache.get("plus", w, 100, plus).getAtIndex(ValueLayout.JAVA_FLOAT, 99), "changed weights: prepared anew");
            assertEquals(2, plus.calls);
            w.setAtIndex(ValueLayout.JAVA_FLOAT, 50, -0f); // was +0: only the sign bit differs
            cache.get("plus", w, 100, plus);
            assertEquals(3, plus.calls, "-0 is not +0");
            assertNotSame(first, cache.get("plus", other, 100, plusOther), "another tensor: its own set");
            cache.get("twice", w, 100, plus);
            assertEquals(4, plus.calls, "another kind of preparation: its own set");
            for (int i = 0; i < FilterCache.ENTRIES; i++) cache.get(i, other, 100, plusOther);
            cache.get("plus", w, 100, plus);
            assertEquals(5, plus.calls, "the least recently used set was dropped");
        }
    }

    @Test
    void frozenWeightsAreNotComparedAgain() {
        try (Arena arena = Arena.ofConfined(); FilterCache cache = new FilterCache()) {
            MemorySegment w = arena.allocate(400, 64), frozen = w.asReadOnly();
            Plus plus = new Plus(frozen);
            cache.get("plus", frozen, 100, plus);
            w.setAtIndex(ValueLayout.JAVA_FLOAT, 3, 5f); // what a frozen tensor's owner promised not to do
            assertEquals(1f, cache.get("plus", frozen, 100, plus).getAtIndex(ValueLayout.JAVA_FLOAT, 3), "read-only weights: kept without a look");
            assertEquals(1, plus.calls);
            assertEquals(6f, cache.get("plus", w, 100, plus).getAtIndex(ValueLayout.JAVA_FLOAT, 3), "the writable view: compared");
        }
    }

    /** A set prepared from frozen weights has no snapshot to compare: a writable view of the same values prepares anew, once. */
    @Test
    void aSetPreparedFromFrozenWeightsKeepsNoSnapshot() {
        try (Arena arena = Arena.ofConfined(); FilterCache cache = new FilterCache()) {
            MemorySegment w = arena.allocate(400, 64);
            w.setAtIndex(ValueLayout.JAVA_FLOAT, 3, 5f);
            Plus plus = new Plus(w);
            cache.get("plus", w.asReadOnly(), 100, plus);
            assertEquals(6f, cache.get("plus", w, 100, plus).getAtIndex(ValueLayout.JAVA_FLOAT, 3));
            assertEquals(2, plus.calls, "the same values through a writable view: prepared anew, nothing to compare with");
            cache.get("plus", w, 100, plus);
            assertEquals(2, plus.calls, "then kept, with a snapshot");
        }
    }

    @Test
    void readOnlyWeightsAreComparedOnceForTheirMemory() {
        try (Arena arena = Arena.ofConfined(); FilterCache cache = new FilterCache()) {
            MemorySegment w = arena.allocate(400, 64);
            Plus plus = new Plus(w);
            cache.get("plus", w, 100, plus); // prepared while writable
            w.setAtIndex(ValueLayout.JAVA_FLOAT, 3, 5f); // written, then frozen
            assertEquals(6f, cache.get("plus", w.asReadOnly(), 100, plus).getAtIndex(ValueLayout.JAVA_FLOAT, 3), "written before it was frozen: compared");
            assertEquals(2, plus.calls);
        }
        // two heap segments both at address 0: read-only memory at the address of another, freed, that was read-only too
        try (FilterCache cache = new FilterCache()) {
            float[] a = new float[100], b = new float[100];
            b[3] = 5f;
            MemorySegment first = MemorySegment.ofArray(a).asReadOnly(), second = MemorySegment.ofArray(b).asReadOnly();
            assertEquals(first.address(), second.address());
            Plus plusFirst = new Plus(first), plusSecond = new Plus(second);
            cache.get("plus", first, 100, plusFirst);
            assertEquals(6f, cache.get("plus", second, 100, plusSecond).getAtIndex(ValueLayout.JAVA_FLOAT, 3), "other memory at the same address: compared");
            assertEquals(1, plusSecond.calls);
        }
    }

    @Test
    void aPreparationThatFailsHalfwayLeavesNothingToReuse() {
        try (Arena arena = Arena.ofShared(); FilterCache cache = new FilterCache()) {
            MemorySegment w = arena.allocate(400, 64);
            Plus plus = new Plus(w);
            FilterCache.Preparation failing = into -> {
                into.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 99f);
                throw new IllegalStateException("failed halfway");
            };
            for (int round = 1; round <= 2; round++) { // a new set, then a kept one whose weights changed
                w.setAtIndex(ValueLayout.JAVA_FLOAT, 0, round - 1f);
                assertThrows(IllegalStateException.class, () -> cache.get("plus", w, 100, failing));
                assertEquals(round, cache.get("plus", w, 100, plus).getAtIndex(ValueLayout.JAVA_FLOAT, 0), "round " + round + ": prepared, not the half-made set");
                assertEquals(round, plus.calls);
            }
        }
    }

    @Test
    void aPreparedSetLargerThanTheMemoryIsRefusedNamingIt() {
        try (Arena arena = Arena.ofConfined(); FilterCache cache = new FilterCache()) {
            MemorySegment w = arena.allocate(400, 64);
            Plus plus = new Plus(w);
            MemoryLimitException refused = assertThrows(MemoryLimitException.class, () -> cache.get("winograd", w, 1L << 45, plus));
            assertTrue(refused.getMessage().startsWith("cannot allocate 131072.0 GiB for prepared filters (winograd) of 35,184,372,088,832 floats"),
                    refused.getMessage());
            assertEquals(0, plus.calls);
        }
    }
}
