// Writes files so that a reader sees either the old content or the complete new one, never a part.
package org.alexnet4j.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic replacement of a file: the content goes to a hidden temporary file in the same directory
 * (same file system, so the rename is atomic), is forced to disk, and is then renamed over the target;
 * the directory is forced too so the rename survives a power cut. A crash at any point leaves the old
 * target intact and at worst a stray ".tmp" file, which no reader takes for the target.
 */
public final class AtomicFiles {
    /** Suffix of the temporary files; readers that list a directory must skip them. */
    public static final String TEMP_SUFFIX = ".tmp";

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private AtomicFiles() {}

    private static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile("\\.(.+)\\.[0-9a-f]{1,16}\\" + TEMP_SUFFIX);

    /** The name of the file a temporary file of {@link #write} was to replace, or empty if {@code file} is not one. */
    public static java.util.Optional<String> targetOfTemporary(Path file) {
        java.util.regex.Matcher m = TEMPORARY.matcher(file.getFileName().toString());
        return m.matches() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    /** Writes the content a channel receives. */
    @FunctionalInterface
    public interface Writer {
        void write(FileChannel channel) throws IOException;
    }

    /** Replaces {@code target} with what {@code writer} writes; on failure the target is unchanged. */
    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        Files.createDirectories(directory);
        // createFile (not createTempFile) so the file gets the usual permissions of new files, not owner-only.
        Path temp = Files.createFile(directory.resolve("." + absolute.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + TEMP_SUFFIX));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(channel);
                channel.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + absolute + " atomically on this file system", e);
            }
            forceDirectory(directory);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Replaces {@code target} with {@code bytes}. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, channel -> {
            var buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
        });
    }

    /** Makes a rename in {@code directory} durable; file systems that cannot open a directory are skipped. */
    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform can sync a directory (Windows); the rename itself is still atomic.
        }
    }
}
