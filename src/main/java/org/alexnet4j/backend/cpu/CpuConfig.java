package org.alexnet4j.backend.cpu;

/**
 * How the cpu backend computes, decided once per JVM: Vector API kernels when jdk.incubator.vector is in
 * the boot layer and -Dalexnet4j.cpu.vectorBits is not 0, otherwise the scalar loops (the fallback path).
 * This class names no Vector API type, so it loads (and the fallback runs) where the module is absent.
 */
final class CpuConfig {
    private CpuConfig() {}

    /** The property that picks the vector width in bits: 0 = scalar, 128/256/512, unset = the CPU's preferred width. */
    static final String VECTOR_BITS_PROPERTY = "alexnet4j.cpu.vectorBits";

    static final boolean MODULE_PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** Requested width in bits; -1 when unset (use the preferred species). */
    static final int REQUESTED_BITS = Integer.getInteger(VECTOR_BITS_PROPERTY, -1);

    /** True when the kernels run on the Vector API; every vector class is loaded only behind this flag. */
    static final boolean VECTOR = MODULE_PRESENT && REQUESTED_BITS != 0;

    /** One line: which path runs and why. */
    static String describe() {
        if (VECTOR) return "Vector API, " + VectorLoops.describe();
        if (!MODULE_PRESENT) return "scalar fallback (jdk.incubator.vector is not present; run with --add-modules jdk.incubator.vector)";
        return "scalar fallback (-D" + VECTOR_BITS_PROPERTY + "=0)";
    }
}
