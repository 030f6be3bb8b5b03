package org.alexnet4j.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.stream.Stream;
import org.alexnet4j.backend.BackendProvider.Availability;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** What a backend test does when its backend cannot run: skip by default, fail with the load error when required. */
class BackendAvailabilityTest {
    private static final Availability NO_DRIVER = Availability.no("no CUDA driver (libcuda.so.1 not found)");

    @Test void anUnavailableBackendIsSkippedWithItsReason() {
        TestAbortedException skipped = assertThrows(TestAbortedException.class, () -> BackendAvailability.check("cuda", NO_DRIVER, Set.of()));
        assertTrue(skipped.getMessage().contains("backend cuda is not available here: no CUDA driver (libcuda.so.1 not found)"), skipped.getMessage());
    }

    @Test void aRequiredUnavailableBackendFailsWithTheLoadError() {
        AssertionFailedError failed = assertThrows(AssertionFailedError.class, () -> BackendAvailability.check("cuda", NO_DRIVER, Set.of("cuda")));
        assertEquals("backend cuda is not available here: no CUDA driver (libcuda.so.1 not found) (required by -Dalexnet4j.requireCuda=true)",
                failed.getMessage());
    }

    @Test void anAvailableBackendRunsWhetherRequiredOrNot() {
        assertDoesNotThrow(() -> BackendAvailability.check("cuda", Availability.yes("an H200"), Set.of("cuda")));
        assertDoesNotThrow(() -> BackendAvailability.check("cpu", Availability.yes("2 processors"), Set.of()));
    }

    /** The property itself, as the GPU kit sets it: this machine's cuda (whatever it is) is required only then. */
    @Test void theRequireCudaPropertyMakesCudaRequired() {
        String before = System.getProperty(BackendAvailability.REQUIRE_CUDA);
        try {
            System.setProperty(BackendAvailability.REQUIRE_CUDA, "true");
            assertEquals(Set.of("cuda"), BackendAvailability.required());
            System.setProperty(BackendAvailability.REQUIRE_CUDA, "false");
            assertEquals(Set.of(), BackendAvailability.required());
        } finally {
            if (before == null) System.clearProperty(BackendAvailability.REQUIRE_CUDA);
            else System.setProperty(BackendAvailability.REQUIRE_CUDA, before);
        }
    }

    @Test void theBackendFilterKeepsOrderAndRejectsUnknownNames() {
        assertEquals(java.util.List.of("cpu", "cuda"), BackendAvailability.filter(Stream.of("cpu", "cuda"), "").toList());
        assertEquals(java.util.List.of("cuda"), BackendAvailability.filter(Stream.of("cpu", "cuda"), "cuda").toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendAvailability.filter(Stream.of("cpu", "cuda"), "gpu"));
        assertTrue(e.getMessage().contains("unknown backends [gpu]"), e.getMessage());
    }
}
