package org.alexnet4j.backend;

import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/** The contracts of the memory ops every backend shares: host copies stay inside their array, copy keeps the size. */
public final class MemoryOps {
    private MemoryOps() {}

    /** copyFromHost and copyToHost ({@code role}: "copyFromHost src"): count floats at offset fit an array of arrayLength. */
    public static void checkHostRange(String role, int arrayLength, int offset, long count) {
        if (offset < 0 || offset + count > arrayLength) {
            throw new IndexOutOfBoundsException(role + ": " + count + " floats at offset " + offset + " do not fit in an array of " + arrayLength);
        }
    }

    /** copy: dst and src hold as many elements (their shapes may differ). */
    public static void checkCopy(Tensor dst, Tensor src) {
        if (Operands.shape(dst, "copy dst").size() != Operands.shape(src, "copy src").size()) {
            throw new ShapeException("copy: dst " + dst.shape() + " and src " + src.shape() + " differ in size");
        }
    }
}
