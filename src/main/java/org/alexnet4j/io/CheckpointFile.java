// The checkpoint file format: a safetensors file whose metadata marks it as a checkpoint and carries a checksum.
package org.alexnet4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A checkpoint is a safetensors file (F32 tensors, string metadata) written atomically (see
 * {@link AtomicFiles}). Its metadata holds {@value #FORMAT_KEY} = {@value #FORMAT} and {@value #CHECKSUM_KEY},
 * the CRC-32C of every tensor's little-endian float32 bytes in header order, so a file that was truncated
 * or damaged after writing is refused instead of being resumed from.
 */
public final class CheckpointFile {
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "alexnet4j-checkpoint-1";
    public static final String CHECKSUM_KEY = "crc32c";

    private CheckpointFile() {}

    /** The tensors and metadata of a checkpoint (metadata without the format and checksum entries). */
    public record Contents(Map<String, TensorData> tensors, Map<String, String> metadata) {}

    /** Atomically replaces {@code file} with a checkpoint of {@code tensors} and {@code metadata}. */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(metadata);
        all.put(FORMAT_KEY, FORMAT);
        all.put(CHECKSUM_KEY, Long.toHexString(checksum(tensors)));
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

    /** Whether a read file says it is a checkpoint (it still has to pass {@link #verify}). */
    public static boolean isCheckpoint(SafeTensorsFile read) { return FORMAT.equals(read.metadata().get(FORMAT_KEY)); }

    /** Checks the format mark and the checksum of a read file and returns its contents. */
    public static Contents verify(SafeTensorsFile read, Path file) throws SafeTensorsException {
        Map<String, String> metadata = new LinkedHashMap<>(read.metadata());
        String format = metadata.remove(FORMAT_KEY);
        if (!FORMAT.equals(format)) {
            throw new SafeTensorsException(file + " is not an alexnet4j checkpoint (metadata " + FORMAT_KEY + " is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected '" + FORMAT + "')");
        }
        String expected = metadata.remove(CHECKSUM_KEY);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (String name : read.names()) tensors.put(name, read.tensor(name));
        String actual = Long.toHexString(checksum(tensors));
        if (!actual.equals(expected)) {
            throw new SafeTensorsException("checkpoint " + file + " is damaged: checksum of its tensors is " + actual
                    + ", the file says " + expected);
        }
        return new Contents(tensors, metadata);
    }

    /** CRC-32C of the tensors' float32 little-endian bytes in iteration order. */
    static long checksum(Map<String, TensorData> tensors) {
        CRC32C crc = new CRC32C();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (TensorData t : tensors.values()) {
            float[] data = t.data();
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
}
