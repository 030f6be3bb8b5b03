// The contents of one safetensors file after validation: tensor names in header order, shapes, data, metadata.
package org.alexnet4j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.tensor.Shape;

/** A read safetensors file (see {@link SafeTensors#read}); immutable, holds the data bytes on the heap. */
public final class SafeTensorsFile {
    /** One tensor of the header; [begin, end) are byte offsets into the data region. */
    record Entry(String name, Dtype dtype, int[] dims, long begin, long end) {}

    private final String file;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final byte[] data;

    SafeTensorsFile(String file, Map<String, Entry> entries, Map<String, String> metadata, byte[] data) {
        this.file = file;
        this.entries = entries;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.data = data;
    }

    /** Tensor names in header order (the order the writer chose). */
    public List<String> names() { return List.copyOf(entries.keySet()); }

    public boolean contains(String name) { return entries.containsKey(name); }

    public Dtype dtype(String name) { return entry(name).dtype(); }

    /** The tensor's shape; throws for the rank-0 or zero-sized tensors the format allows but {@link Shape} does not. */
    public Shape shape(String name) {
        int[] dims = entry(name).dims();
        if (dims.length == 0 || Arrays.stream(dims).anyMatch(d -> d == 0)) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has shape " + Arrays.toString(dims)
                    + ", which is empty or rank 0 and has no Shape");
        }
        return Shape.of(dims);
    }

    /** The tensor's elements as float32, converted from F64 (rounded), F16 or BF16 (exact); others throw. */
    public float[] floats(String name) {
        Entry e = entry(name);
        if (!e.dtype().readableAsFloat()) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has dtype " + e.dtype()
                    + "; only F32, F64, F16 and BF16 can be read as float");
        }
        ByteBuffer bytes = bytes(e);
        float[] out = new float[elements(e)];
        for (int i = 0; i < out.length; i++) out[i] = element(bytes, e.dtype(), i);
        return out;
    }

    /**
     * Throws naming the first tensor that holds a NaN or an infinity as float32 (an F64 beyond the float range
     * counts), with how many such elements it has and where the first one is.
     */
    void requireFinite() throws SafeTensorsException {
        for (Entry e : entries.values()) {
            if (!e.dtype().readableAsFloat()) continue;
            ByteBuffer bytes = bytes(e);
            long nonFinite = 0;
            int first = -1;
            for (int i = 0, n = elements(e); i < n; i++) {
                if (!Float.isFinite(element(bytes, e.dtype(), i))) {
                    if (nonFinite++ == 0) first = i;
                }
            }
            if (nonFinite > 0) {
                throw new SafeTensorsException(file + ": tensor '" + e.name() + "' holds " + nonFinite + " non-finite value"
                        + (nonFinite == 1 ? "" : "s") + " (the first, " + element(bytes, e.dtype(), first) + " at index "
                        + Arrays.toString(index(e.dims(), first)) + "); every value must be a finite number");
            }
        }
    }

    private static int elements(Entry e) { return (int) ((e.end() - e.begin()) / e.dtype().bytes); }

    private ByteBuffer bytes(Entry e) {
        return ByteBuffer.wrap(data, (int) e.begin(), (int) (e.end() - e.begin())).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Element {@code i} of a float dtype, as float32. */
    private static float element(ByteBuffer bytes, Dtype dtype, int i) {
        return switch (dtype) {
            case F32 -> bytes.getFloat(i * 4);
            case F64 -> (float) bytes.getDouble(i * 8);
            case F16 -> Float.float16ToFloat(bytes.getShort(i * 2));
            case BF16 -> Float.intBitsToFloat((bytes.getShort(i * 2) & 0xffff) << 16);
            default -> throw new AssertionError(dtype);
        };
    }

    /** The multi-dimensional index of row-major element {@code flat}. */
    private static int[] index(int[] dims, int flat) {
        int[] index = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            index[d] = flat % dims[d];
            flat /= dims[d];
        }
        return index;
    }

    /** Shape and float32 data together. */
    public TensorData tensor(String name) { return new TensorData(shape(name), floats(name)); }

    /** The header's {@value SafeTensors#METADATA_KEY} strings in header order (empty if absent). */
    public Map<String, String> metadata() { return metadata; }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + ": no tensor '" + name + "'; it holds " + entries.size() + " tensors: "
                    + String.join(", ", entries.keySet().stream().limit(20).toList()) + (entries.size() > 20 ? ", ..." : ""));
        }
        return e;
    }

    @Override public String toString() { return "SafeTensorsFile(" + file + ", " + entries.size() + " tensors)"; }
}
