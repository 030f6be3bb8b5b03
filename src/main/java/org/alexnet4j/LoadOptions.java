// How AlexNet4j.load places a model: which backend, and that backend's options (threads, device, precision).
package org.alexnet4j;

import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;

/**
 * Where and how a loaded model runs: the backend by name (auto, cpu, cuda or reference) and its
 * {@link BackendOptions}. Start from {@link #defaults()} (auto, every processor, device 0, FP32) and change
 * what differs: {@code LoadOptions.defaults().withBackend("cuda").withDevice(1)}.
 */
public record LoadOptions(String backend, BackendOptions backendOptions) {
    public LoadOptions {
        if (backend == null || backend.isBlank()) throw new IllegalArgumentException("name a backend (auto, cpu, cuda, reference)");
        if (backendOptions == null) throw new IllegalArgumentException("backend options must not be null");
    }

    public static LoadOptions defaults() { return new LoadOptions(Backends.AUTO, BackendOptions.defaults()); }

    /** reference, cpu, cuda or auto (the best available, logged). */
    public LoadOptions withBackend(String name) { return new LoadOptions(name, backendOptions); }

    /** Worker threads of a host backend (0 = every available processor). */
    public LoadOptions withThreads(int threads) { return new LoadOptions(backend, backendOptions.withThreads(threads)); }

    /** Which GPU a device backend runs on (0 = the first). */
    public LoadOptions withDevice(int device) { return new LoadOptions(backend, backendOptions.withDevice(device)); }

    /** The number format of convolutions and matrix products, where the backend has more than one. */
    public LoadOptions withPrecision(BackendOptions.Precision precision) { return new LoadOptions(backend, backendOptions.withPrecision(precision)); }
}
