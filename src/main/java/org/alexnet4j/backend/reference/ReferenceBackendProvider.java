package org.alexnet4j.backend.reference;

import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.BackendProvider;

/** Finds the reference backend through ServiceLoader: lowest priority, available everywhere. */
public final class ReferenceBackendProvider implements BackendProvider {
    @Override public String name() { return ReferenceBackend.NAME; }

    @Override public int priority() { return 0; }

    @Override public Availability availability() { return Availability.yes(ReferenceBackend.DESCRIPTION); }

    /** The options do not apply: the reference backend is one thread in float64. */
    @Override public Backend create(BackendOptions options) { return new ReferenceBackend(); }
}
