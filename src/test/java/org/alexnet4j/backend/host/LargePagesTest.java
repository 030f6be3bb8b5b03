// Large buffers are zero-filled, bounds-checked and, on a Linux that allows it, on transparent huge pages.
package org.alexnet4j.backend.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LargePagesTest {
    private static final long BYTES = 4 * LargePages.SIZE + 100;

    @Test void aLargeBufferIsZeroedBoundedAndStartsOnAHugePage() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = LargePages.allocate(arena, BYTES, 64);
            assertEquals(BYTES, s.byteSize());
            assertEquals(-1, s.mismatch(arena.allocate(BYTES)), "zero-filled");
            if (LargePages.enabled()) assertEquals(0, s.address() % LargePages.SIZE, "starts on a huge page");
            s.set(ValueLayout.JAVA_BYTE, BYTES - 1, (byte) 7);
            assertEquals(7, s.get(ValueLayout.JAVA_BYTE, BYTES - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, BYTES));
        }
    }

    @Test void aSmallBufferKeepsItsAlignmentAndSize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = LargePages.allocate(arena, 1000, 64);
            assertEquals(1000, s.byteSize());
            assertEquals(0, s.address() % 64);
        }
    }

    /** Where transparent huge pages are not turned off, the written buffer's mapping holds huge pages. */
    @Test void onLinuxTheBufferIsOnHugePages() throws IOException {
        Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeTrue(LargePages.enabled() && Files.isReadable(setting) && !Files.readString(setting).contains("[never]"), "no transparent huge pages here");
        Arena arena = Arena.ofConfined();
        MemorySegment s = LargePages.allocate(arena, BYTES, 64);
        s.fill((byte) 1); // pages are faulted in by the first write
        long hugeKiB = anonHugePagesKiB(s.address()).orElseThrow();
        assertTrue(hugeKiB >= 4 * LargePages.SIZE / 1024, "the mapping holding the buffer has " + hugeKiB + " KiB of huge pages");
        arena.close();
        assertEquals(0, anonHugePagesKiB(s.address()).orElse(0), "closing the arena unmaps the buffer");
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
    }

    /** AnonHugePages of the /proc/self/smaps mapping that holds {@code address}, empty when none does. */
    private static OptionalLong anonHugePagesKiB(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (String line : lines) {
            String[] range = line.split(" ", 2)[0].split("-");
            if (range.length == 2 && range[0].matches("[0-9a-f]+") && range[1].matches("[0-9a-f]+")) {
                inside = Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
            } else if (inside && line.startsWith("AnonHugePages:")) {
                return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
            }
        }
        return OptionalLong.empty();
    }
}
