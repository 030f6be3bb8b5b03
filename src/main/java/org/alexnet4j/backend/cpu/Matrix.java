package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * A strided float matrix inside an off-heap segment: element (i, j) is at float index
 * offset + i*rowStride + j*colStride. Transposes are a swap of the strides, no copy.
 */
record Matrix(MemorySegment segment, long offset, long rowStride, long colStride) {
    /** A dense row-major matrix with {@code columns} floats per row. */
    static Matrix rowMajor(MemorySegment segment, long offset, long columns) { return new Matrix(segment, offset, columns, 1); }

    Matrix transposed() { return new Matrix(segment, offset, colStride, rowStride); }

    /** The float index of element (i, j). */
    long at(long i, long j) { return offset + i * rowStride + j * colStride; }
}
