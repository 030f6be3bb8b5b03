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
        int count = (int) ((e.end() - e.begin()) / e.dtype().bytes);
        ByteBuffer bytes = ByteBuffer.wrap(data, (int) e.begin(), (int) (e.end() - e.begin())).slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        switch (e.dtype()) {
            case F32 -> bytes.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < count; i++) out[i] = (float) bytes.getDouble(i * 8);
            }
            case F16 -> {
                for (int i = 0; i < count; i++) out[i] = Float.float16ToFloat(bytes.getShort(i * 2));
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) out[i] = Float.intBitsToFloat((bytes.getShort(i * 2) & 0xffff) << 16);
            }
            default -> throw new AssertionError(e.dtype());
        }
        return out;
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
