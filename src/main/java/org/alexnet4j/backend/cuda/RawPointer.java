package org.alexnet4j.backend.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A JavaCPP pointer to a raw address (device memory, or pinned host memory) with position 0 and no
 * deallocator: how views (base + offset) are handed to CUDA, cuDNN and cuBLAS.
 */
final class RawPointer extends Pointer {
    RawPointer(long address) { this.address = address; }

    /** The same address typed as float* (for cuBLAS, and for copying Java arrays into pinned memory). */
    FloatPointer asFloats() { return new FloatPointer(this); }

    /** The same address typed as int*. */
    IntPointer asInts() { return new IntPointer(this); }
}
