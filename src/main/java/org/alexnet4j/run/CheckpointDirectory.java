// The checkpoints of one run directory: their names, the newest one, and keeping only the last K.
package org.alexnet4j.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.alexnet4j.io.AtomicFiles;
import org.alexnet4j.io.CheckpointFile;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.train.InvalidSettingException;

/**
 * Checkpoints are named checkpoint-s&lt;step&gt;.safetensors (step = optimizer steps done, zero-padded so
 * names sort like steps). Only complete files carry that name: {@link CheckpointFile} writes to a
 * temporary file and renames it, so a crash mid-write never leaves a file this class would pick up.
 */
public final class CheckpointDirectory {
    private static final Pattern NAME = Pattern.compile("checkpoint-s(\\d{9,})\\.safetensors");

    private final Path directory;
    private final int keep;

    /** {@code keep}: how many of the newest checkpoints survive each save (at least 1). */
    public CheckpointDirectory(Path directory, int keep) {
        if (keep < 1) throw new InvalidSettingException("checkpoints kept", "must be >= 1, got " + keep);
        this.directory = directory;
        this.keep = keep;
    }

    public Path directory() { return directory; }

    public Path pathFor(long step) { return directory.resolve(String.format("checkpoint-s%09d.safetensors", step)); }

    /** Writes the checkpoint of {@code step}, then deletes all but the newest {@code keep}. */
    public Path save(long step, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        Path file = pathFor(step);
        CheckpointFile.write(file, tensors, metadata);
        List<Path> all = list();
        for (Path old : all.subList(0, Math.max(0, all.size() - keep))) Files.deleteIfExists(old);
        return file;
    }

    /** Every complete checkpoint here, oldest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(directory)) return List.of();
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> step(p).isPresent()).sorted(Comparator.comparingLong(p -> step(p).orElseThrow())).toList();
        }
    }

    /** The newest checkpoint, if any. */
    public Optional<Path> latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /**
     * Deletes the temporary files that saves interrupted by a crash or a kill left behind (hidden
     * ".name.*.tmp" files of checkpoints and of {@code runFiles}); returns how many. Call it before this
     * directory's run writes anything: a temporary file of a save in progress looks the same.
     */
    public int removeStaleTemporaryFiles(java.util.Set<String> runFiles) throws IOException {
        if (!Files.isDirectory(directory)) return 0;
        List<Path> stale;
        try (Stream<Path> files = Files.list(directory)) {
            stale = files.filter(p -> AtomicFiles.targetOfTemporary(p).filter(name -> runFiles.contains(name) || NAME.matcher(name).matches()).isPresent())
                    .toList();
        }
        for (Path p : stale) Files.deleteIfExists(p);
        return stale.size();
    }

    /** The step a checkpoint file name says, or empty for any other file. */
    static Optional<Long> step(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }
}
