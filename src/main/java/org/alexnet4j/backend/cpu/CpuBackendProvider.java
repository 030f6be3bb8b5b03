package org.alexnet4j.backend.cpu;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.BackendProvider;

/** Finds the cpu backend: always available; on the Vector API when jdk.incubator.vector is present, else scalar loops. */
public final class CpuBackendProvider implements BackendProvider {
    @Override public String name() { return CpuBackend.NAME; }

    @Override public int priority() { return 10; }

    @Override public Availability availability() {
        return Availability.yes(Runtime.getRuntime().availableProcessors() + " processors, " + CpuConfig.describe());
    }

    @Override public Backend create(BackendOptions options) { return new CpuBackend(options); }
}
