// Reads and writes the safetensors format by hand: an 8-byte little-endian header length N, N bytes of
// UTF-8 JSON describing each tensor (dtype, shape, data_offsets relative to the data start), then the data.
package org.alexnet4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.host.HostLimits;

/**
 * safetensors I/O. Writing produces F32 tensors in the map's iteration order (use a {@link LinkedHashMap}),
 * with the header padded by spaces to a multiple of 8 bytes so the data starts 8-byte aligned. Reading
 * validates the whole layout (see {@link #read}) before returning anything.
 */
public final class SafeTensors {
    /** The header key that holds free-form string metadata instead of a tensor. */
    public static final String METADATA_KEY = "__metadata__";
    /** Headers above this are refused as absurd (the same bound the format's reference reader uses). */
    static final long MAX_HEADER_BYTES = 100L << 20;
    /** The data region is read into one byte array, so it must fit one. */
    static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;
    private static final int CHUNK_FLOATS = 16 * 1024;

    private SafeTensors() {}

    /** Writes {@code tensors} (as F32) and {@code metadata} to a new or truncated file at {@code path}. */
    public static void write(Path path, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path))) {
            write(out, tensors, metadata);
        }
    }

    /**
     * Writes the whole file to {@code out} and flushes it; {@code out} stays open, so a caller can write to a
     * temporary file, force it to disk and rename it. Tensor names must not be {@value #METADATA_KEY}, and
     * every value must be finite (a file {@link #read} would refuse is not written).
     */
    public static void write(OutputStream out, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        tensors.forEach((name, t) -> {
            float[] data = t.data();
            for (int i = 0; i < data.length; i++) {
                if (!Float.isFinite(data[i])) {
                    throw new IllegalArgumentException("cannot save tensor '" + name + "' of shape " + t.shape() + ": element " + i + " is " + data[i]);
                }
            }
        });
        byte[] header = header(tensors, metadata);
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        out.write(length.array());
        out.write(header);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (TensorData t : tensors.values()) {
            float[] data = t.data();
            for (int start = 0; start < data.length; start += CHUNK_FLOATS) {
                int count = Math.min(CHUNK_FLOATS, data.length - start);
                chunk.clear();
                chunk.asFloatBuffer().put(data, start, count);
                out.write(chunk.array(), 0, count * Float.BYTES);
            }
        }
        out.flush();
    }

    /** The JSON header, UTF-8, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(Map<String, TensorData> tensors, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            json.append(Json.quote(METADATA_KEY)).append(":{");
            String separator = "";
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) throw new IllegalArgumentException("safetensors metadata may not hold null: " + e);
                json.append(separator).append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                separator = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.equals(METADATA_KEY)) throw new IllegalArgumentException("invalid safetensors tensor name: " + name);
            if (json.length() > 1) json.append(',');
            long end = offset + e.getValue().shape().size() * Float.BYTES;
            json.append(Json.quote(name)).append(":{\"dtype\":\"F32\",\"shape\":[");
            int[] dims = e.getValue().shape().dims();
            for (int i = 0; i < dims.length; i++) json.append(i == 0 ? "" : ",").append(dims[i]);
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        int unpadded = json.toString().getBytes(StandardCharsets.UTF_8).length;
        json.append(" ".repeat((8 - unpadded % 8) % 8));
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads and validates a whole file. Rejected, with the file and tensor named: a file shorter than 8
     * bytes, a header length above {@value #MAX_HEADER_BYTES} bytes or beyond the file, a header that is not
     * UTF-8 JSON or repeats a name, entries without exactly dtype/shape/data_offsets, unknown dtypes, negative
     * dimensions, offsets that decrease, disagree with the shape's byte size, reach past the data (truncated
     * file), overlap another tensor, or leave a gap or trailing bytes, metadata that is not string to string,
     * and floating-point tensors holding a NaN or an infinity (every tensor here is a parameter or optimizer
     * state, where one non-finite value silently poisons every result).
     */
    public static SafeTensorsFile read(Path path) throws IOException {
        String file = path.toString();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            if (fileSize < 8) throw new SafeTensorsException(file + ": " + fileSize + " bytes, too short for the 8-byte header length");
            long headerLength = readFully(file, channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw new SafeTensorsException(file + ": header length " + Long.toUnsignedString(headerLength)
                        + " is absurd (more than " + MAX_HEADER_BYTES + " bytes); not a safetensors file?");
            }
            if (headerLength > fileSize - 8) {
                throw new SafeTensorsException(file + ": header length " + headerLength + " exceeds the " + (fileSize - 8)
                        + " bytes after the length field (file size " + fileSize + ")");
            }
            Map<String, Object> header = parseHeader(file, readFully(file, channel, 8, (int) headerLength));
            long dataBytes = fileSize - 8 - headerLength;
            if (dataBytes > MAX_DATA_BYTES) {
                throw new SafeTensorsException(file + ": " + dataBytes + " bytes of tensor data; at most " + MAX_DATA_BYTES + " are supported");
            }
            Map<String, String> metadata = Map.of();
            Map<String, SafeTensorsFile.Entry> entries = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : header.entrySet()) {
                if (e.getKey().equals(METADATA_KEY)) metadata = metadata(file, e.getValue());
                else entries.put(e.getKey(), entry(file, e.getKey(), e.getValue(), dataBytes));
            }
            checkLayout(file, entries.values(), dataBytes);
            HostLimits.arrayLength(file + ": its " + dataBytes + " bytes of tensor data", dataBytes, 1);
            byte[] data = readFully(file, channel, 8 + headerLength, (int) dataBytes).array();
            SafeTensorsFile read = new SafeTensorsFile(file, entries, metadata, data);
            read.requireFinite();
            return read;
        }
    }

    private static ByteBuffer readFully(String file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new SafeTensorsException(file + ": ended at byte " + (position + buffer.position()) + " while reading (changed while being read?)");
            }
        }
        return buffer.flip();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseHeader(String file, ByteBuffer bytes) throws SafeTensorsException {
        CharBuffer text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(file + ": header is not valid UTF-8");
        }
        Object parsed;
        try {
            parsed = Json.parse(text.toString());
        } catch (Json.SyntaxException e) {
            throw new SafeTensorsException(file + ": malformed header JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) throw new SafeTensorsException(file + ": header JSON must be an object");
        return (Map<String, Object>) map;
    }

    private static Map<String, String> metadata(String file, Object value) throws SafeTensorsException {
        if (!(value instanceof Map<?, ?> map)) throw new SafeTensorsException(file + ": " + METADATA_KEY + " must be an object of strings");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafeTensorsException(file + ": " + METADATA_KEY + " value for key '" + e.getKey() + "' must be a string, got " + e.getValue());
            }
            metadata.put((String) e.getKey(), s);
        }
        return metadata;
    }

    /** One tensor's header entry, checked on its own: fields, dtype, shape, offsets within the data. */
    private static SafeTensorsFile.Entry entry(String file, String name, Object value, long dataBytes) throws SafeTensorsException {
        String where = file + ": tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> fields)) throw new SafeTensorsException(where + ": entry must be an object");
        for (Object key : fields.keySet()) {
            if (!List.of("dtype", "shape", "data_offsets").contains(key)) throw new SafeTensorsException(where + ": unknown field '" + key + "'");
        }
        if (!(fields.get("dtype") instanceof String dtypeName)) throw new SafeTensorsException(where + ": missing or non-string dtype");
        Dtype dtype = Dtype.parse(dtypeName);
        if (dtype == null) throw new SafeTensorsException(where + ": unknown dtype '" + dtypeName + "'");
        long[] shape = integers(where, "shape", fields.get("shape"), -1);
        long[] offsets = integers(where, "data_offsets", fields.get("data_offsets"), 2);
        int[] dims = new int[shape.length];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) throw new SafeTensorsException(where + ": dimension " + shape[i] + " is too large");
            dims[i] = (int) shape[i];
            elements *= dims[i];
            if (elements > MAX_DATA_BYTES) throw new SafeTensorsException(where + ": shape " + Arrays.toString(shape) + " is too large");
        }
        long begin = offsets[0], end = offsets[1];
        String range = "data_offsets [" + begin + ", " + end + "]";
        if (end < begin) throw new SafeTensorsException(where + ": " + range + " end before they begin");
        if (end - begin != elements * dtype.bytes) {
            throw new SafeTensorsException(where + ": " + range + " hold " + (end - begin) + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + elements * dtype.bytes);
        }
        if (end > dataBytes) {
            throw new SafeTensorsException(where + ": " + range + " reach past the " + dataBytes
                    + " bytes of data after the header (offsets out of range or file truncated)");
        }
        return new SafeTensorsFile.Entry(name, dtype, dims, begin, end);
    }

    /** A JSON array of non-negative integers ({@code length} of them, or any number if negative). */
    private static long[] integers(String where, String field, Object value, int length) throws SafeTensorsException {
        if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new SafeTensorsException(where + ": " + field + " must be an array" + (length >= 0 ? " of " + length + " integers" : "") + ", got " + value);
        }
        long[] result = new long[list.size()];
        for (int i = 0; i < result.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0) throw new SafeTensorsException(where + ": " + field + " must hold non-negative integers, got " + list);
            result[i] = v;
        }
        return result;
    }

    /** The tensors must tile the data region exactly: in offset order each begins where the previous ended. */
    private static void checkLayout(String file, Iterable<SafeTensorsFile.Entry> entries, long dataBytes) throws SafeTensorsException {
        List<SafeTensorsFile.Entry> sorted = new ArrayList<>();
        entries.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(SafeTensorsFile.Entry::begin).thenComparingLong(SafeTensorsFile.Entry::end));
        long expected = 0;
        String previous = null;
        for (SafeTensorsFile.Entry e : sorted) {
            if (e.begin() < expected) {
                throw new SafeTensorsException(file + ": tensor '" + e.name() + "' at bytes [" + e.begin() + ", " + e.end()
                        + ") overlaps tensor '" + previous + "' which ends at " + expected);
            }
            if (e.begin() > expected) {
                throw new SafeTensorsException(file + ": gap of " + (e.begin() - expected) + " bytes before tensor '" + e.name()
                        + "' at byte " + e.begin() + (previous == null ? " (data starts at 0)" : " (tensor '" + previous + "' ends at " + expected + ")"));
            }
            expected = e.end();
            previous = e.name();
        }
        if (expected != dataBytes) {
            throw new SafeTensorsException(file + ": " + (dataBytes - expected) + " trailing bytes after the last tensor"
                    + " (tensors cover " + expected + " of " + dataBytes + " data bytes)");
        }
    }
}
