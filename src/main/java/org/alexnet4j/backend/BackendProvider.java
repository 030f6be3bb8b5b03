package org.alexnet4j.backend;

import java.util.Set;
import org.alexnet4j.backend.BackendOptions.Precision;

/**
 * How a backend is found: implementations are listed in META-INF/services and loaded with ServiceLoader.
 * A provider must be cheap to construct and must not touch native libraries before {@link #availability()}.
 */
public interface BackendProvider {
    /** The name the backend is chosen by. */
    String name();

    /** Higher wins when the backend is chosen with "auto" (reference 0, cpu 10, cuda 20). */
    int priority();

    /** Whether this backend can run here, and if not, why (one line). */
    Availability availability();

    /**
     * A new backend; throws IllegalStateException with the reason when it is not available. {@link Backends#create}
     * has checked the options' precision and device against {@link #precisions()} and {@link #deviceCount()}.
     */
    Backend create(BackendOptions options);

    /** The precisions the backend computes in (see {@link Precision}); host backends: FP32 only. */
    default Set<Precision> precisions() { return Set.of(Precision.FP32); }

    /** How many devices {@link BackendOptions#device()} can choose from here (host backends: 1, the host). */
    default int deviceCount() { return 1; }

    /** available, or not with a one-line reason. */
    record Availability(boolean available, String reason) {
        public static Availability yes(String description) { return new Availability(true, description); }
        public static Availability no(String reason) { return new Availability(false, reason); }
    }
}
