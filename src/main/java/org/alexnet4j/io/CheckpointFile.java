// The checkpoint file format: a safetensors file whose metadata marks it as a checkpoint and carries a checksum.
package org.alexnet4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A checkpoint is a safetensors file (F32 tensors, string metadata) written atomically (see
 * {@link AtomicFiles}). Its metadata holds {@value #FORMAT_KEY} = {@value #FORMAT} and {@value #CHECKSUM_KEY},
 * the CRC-32C of everything else the file says: each metadata entry (key and value, in header order, the
 * format mark included), then each tensor's name, shape and little-endian float32 bytes, in header order.
 * A file damaged or edited after writing, in its header or its data, is refused instead of resumed from.
 * Files of another format version are refused with a line naming both (format 1 checked the tensors only;
 * format 2 held the mean image as base64 metadata, format 3 as a tensor).
 */
public final class CheckpointFile {
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "alexnet4j-checkpoint-3";
    /** What every format version's mark starts with. */
    private static final String FORMAT_FAMILY = "alexnet4j-checkpoint-";
    public static final String CHECKSUM_KEY = "crc32c";

    private CheckpointFile() {}

    /** The tensors and metadata of a checkpoint (metadata without the format and checksum entries). */
    public record Contents(Map<String, TensorData> tensors, Map<String, String> metadata) {}

    /** Atomically replaces {@code file} with a checkpoint of {@code tensors} and {@code metadata}. */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(metadata);
        all.put(FORMAT_KEY, FORMAT);
        all.put(CHECKSUM_KEY, Long.toHexString(checksum(all, tensors)));
        AtomicFiles.write(file, channel -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 20);
            SafeTensors.write(out, tensors, all);
            out.flush();
        });
    }

    /** Reads and verifies a checkpoint; throws {@link SafeTensorsException} naming the file and what is wrong. */
    public static Contents read(Path file) throws IOException {
        SafeTensorsFile read;
        try {
            read = SafeTensors.read(file);
        } catch (SafeTensorsException e) {
            throw new SafeTensorsException("checkpoint " + file + " is damaged or incomplete: " + e.getMessage());
        }
        return verify(read, file);
    }

    /** Whether a read file says it is a checkpoint of some format version (it still has to pass {@link #verify}). */
    public static boolean isCheckpoint(SafeTensorsFile read) {
        String format = read.metadata().get(FORMAT_KEY);
        return format != null && format.startsWith(FORMAT_FAMILY);
    }

    /** Checks the format mark and the checksum of a read file and returns its contents. */
    public static Contents verify(SafeTensorsFile read, Path file) throws SafeTensorsException {
        Map<String, String> metadata = new LinkedHashMap<>(read.metadata());
        String format = metadata.get(FORMAT_KEY);
        if (format != null && format.startsWith(FORMAT_FAMILY) && !format.equals(FORMAT)) {
            throw new SafeTensorsException(file + " is a checkpoint of format '" + format + "'; this version of alexnet4j reads '"
                    + FORMAT + "' only (continue that run with the version that wrote it, or start a new one)");
        }
        if (!FORMAT.equals(format)) {
            throw new SafeTensorsException(file + " is not an alexnet4j checkpoint (metadata " + FORMAT_KEY + " is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected '" + FORMAT + "')");
        }
        String expected = metadata.remove(CHECKSUM_KEY);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (String name : read.names()) {
            try {
                tensors.put(name, read.tensor(name));
            } catch (IllegalArgumentException notAParameter) { // an empty, rank-0 or integer tensor: no checkpoint writes one
                throw new SafeTensorsException("checkpoint " + notAParameter.getMessage());
            }
        }
        String actual = Long.toHexString(checksum(metadata, tensors));
        if (!actual.equals(expected)) {
            throw new SafeTensorsException("checkpoint " + file + " is damaged or was edited: the checksum of its contents is " + actual
                    + ", the file says " + (expected == null ? "nothing" : expected));
        }
        metadata.remove(FORMAT_KEY);
        return new Contents(tensors, metadata);
    }

    /**
     * CRC-32C of the metadata entries other than the checksum, then the tensors: strings as their UTF-8
     * length and bytes, shapes as rank and dimensions, data as little-endian float32, all in iteration order.
     */
    static long checksum(Map<String, String> metadata, Map<String, TensorData> tensors) {
        CRC32C crc = new CRC32C();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().equals(CHECKSUM_KEY)) continue;
            update(crc, e.getKey());
            update(crc, e.getValue());
        }
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            update(crc, e.getKey());
            int[] dims = e.getValue().shape().dims();
            ByteBuffer shape = ByteBuffer.allocate(Integer.BYTES * (dims.length + 1)).order(ByteOrder.LITTLE_ENDIAN).putInt(dims.length);
            for (int d : dims) shape.putInt(d);
            crc.update(shape.flip());
            float[] data = e.getValue().data();
            for (int i = 0; i < data.length; ) {
                chunk.clear();
                int n = Math.min(data.length - i, chunk.capacity() / Float.BYTES);
                chunk.asFloatBuffer().put(data, i, n);
                chunk.limit(n * Float.BYTES);
                crc.update(chunk);
                i += n;
            }
        }
        return crc.getValue();
    }

    private static void update(CRC32C crc, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        crc.update(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length).flip());
        crc.update(bytes);
    }
}
