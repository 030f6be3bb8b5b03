// The element types a safetensors header may name, with their sizes in bytes.
package org.alexnet4j.io;

/** safetensors dtypes. Only the floating-point ones (F64, F32, F16, BF16) can be read as float32 here. */
public enum Dtype {
    F64(8), F32(4), F16(2), BF16(2), F8_E4M3(1), F8_E5M2(1),
    I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    /** Bytes per element. */
    public final int bytes;

    Dtype(int bytes) { this.bytes = bytes; }

    /** The dtype spelled {@code name} in a header, or null if the format has no such dtype. */
    static Dtype parse(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /** Whether {@link SafeTensorsFile#floats} converts this dtype to float32. */
    public boolean readableAsFloat() { return this == F64 || this == F32 || this == F16 || this == BF16; }
}
