// Requests beyond the machine are refused before anything is allocated, naming the size and the limit.
package org.alexnet4j.backend.host;

import org.alexnet4j.backend.MemoryLimitException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostLimitsTest {
    @Test void aTensorLargerThanTheMachineIsRefusedBeforeAllocation() {
        MemoryLimitException e = assertThrows(MemoryLimitException.class, () -> new HostStorage(1L << 40, "cpu"));
        assertTrue(e.getMessage().startsWith("cannot allocate 4096.0 GiB for a cpu tensor of 1,099,511,627,776 floats: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" of memory is available on this machine (besides the Java heap)"), e.getMessage());
    }

    @Test void whatIsAvailableIsPositiveAndBelowThePhysicalMemory() {
        long available = HostLimits.availableNative();
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        assertTrue(available > 0 && available < total, available + " of " + total);
        try (HostStorage small = new HostStorage(HostLimits.CHECKED_BYTES / 4, "cpu")) {
            assertEquals(HostLimits.CHECKED_BYTES / 4, small.floats(), "a checked size that fits is allocated");
        }
    }

    @Test void anArrayBeyondTheLongestOrBeyondTheHeapIsRefused() {
        MemoryLimitException tooLong = assertThrows(MemoryLimitException.class, () -> HostLimits.floats("a batch", 3L << 30));
        assertEquals("a batch needs 3,221,225,472 elements, more than one Java array holds (2,147,483,639)", tooLong.getMessage());
        long heapFloats = Runtime.getRuntime().maxMemory() / Float.BYTES + 1;
        if (heapFloats <= HostLimits.MAX_ARRAY_LENGTH) {
            MemoryLimitException tooBig = assertThrows(MemoryLimitException.class, () -> HostLimits.floats("a batch", heapFloats));
            assertTrue(tooBig.getMessage().contains("of Java heap, more than the JVM's maximum of"), tooBig.getMessage());
        }
        assertEquals(10, HostLimits.floats("ten", 10).length);
    }

    @Test void threadsAreCappedAtAMultipleOfTheProcessors() {
        int max = HostLimits.maxThreads();
        assertEquals(Math.max(16, 4 * Runtime.getRuntime().availableProcessors()), max);
        assertEquals(max, HostLimits.requireThreads("threads", max));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostLimits.requireThreads("threads", 10_000));
        assertTrue(e.getMessage().startsWith("threads 10000 is more than this machine can use: at most " + max), e.getMessage());
    }
}
