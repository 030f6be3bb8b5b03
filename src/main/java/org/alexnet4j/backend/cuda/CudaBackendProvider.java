package org.alexnet4j.backend.cuda;

import java.util.EnumSet;
import java.util.Set;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.BackendProvider;

/** Finds the CUDA backend (cuDNN, cuBLAS, NVRTC kernels) for ServiceLoader; touches no native library until asked. */
public final class CudaBackendProvider implements BackendProvider {
    public static final String NAME = "cuda";

    @Override public String name() { return NAME; }

    @Override public int priority() { return 20; }

    @Override public Availability availability() { return CudaProbe.availability(); }

    @Override public Set<BackendOptions.Precision> precisions() { return EnumSet.allOf(BackendOptions.Precision.class); }

    @Override public int deviceCount() { return CudaProbe.deviceCount(); }

    @Override public Backend create(BackendOptions options) {
        Availability availability = availability();
        if (!availability.available()) throw new IllegalStateException("backend 'cuda' is not available here: " + availability.reason());
        return new CudaBackend(options);
    }
}
