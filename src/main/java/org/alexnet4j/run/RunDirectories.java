// The runs folder: one directory per run named by its start time, and a "latest" link to the newest run with a checkpoint.
package org.alexnet4j.run;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A folder of run directories, as the command line keeps runs/: {@link #create} makes a new directory
 * per run (unique even for runs started in the same second), {@link #linkLatest} points {@value #LATEST}
 * at a run once it has a checkpoint, and {@link #mostRecentlyTrained} finds the run to resume.
 */
public final class RunDirectories {
    public static final String LATEST = "latest";
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private RunDirectories() {}

    /** Creates and returns a new, empty directory root/&lt;date-time&gt;, or root/&lt;date-time&gt;-2, -3, ... when that exists. */
    public static Path create(Path root) throws IOException {
        Files.createDirectories(root);
        String name = LocalDateTime.now().format(NAME);
        for (int n = 1; ; n++) {
            Path dir = root.resolve(n == 1 ? name : name + "-" + n);
            try {
                return Files.createDirectory(dir); // atomic: of two runs asking for one name, one gets it
            } catch (FileAlreadyExistsException e) {
                // taken by a run started in the same second: try the next suffix
            }
        }
    }

    /**
     * Points root/{@value #LATEST} at {@code run} (a directory in root), atomically, unless it already points
     * at a run that started later (a run's start is when its {@value TrainingRun#RUN_ID_FILE} was written).
     * Where the file system has no symbolic links nothing happens; the run's own name still works.
     */
    public static void linkLatest(Path root, Path run) {
        Path link = root.resolve(LATEST);
        try {
            if (Files.isSymbolicLink(link)) {
                Path current = root.resolve(Files.readSymbolicLink(link));
                if (started(current).compareTo(started(run)) > 0) return;
            } else if (Files.exists(link)) {
                return; // a file or directory of the user's, not our link
            }
            Path temp = root.resolve("." + LATEST + "." + ProcessHandle.current().pid() + ".tmp");
            Files.deleteIfExists(temp);
            Files.createSymbolicLink(temp, run.getFileName());
            Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            // no links on this file system
        }
    }

    /** The run directory in {@code root} whose newest checkpoint was written last, if any holds a checkpoint. */
    public static Optional<Path> mostRecentlyTrained(Path root) throws IOException {
        if (!Files.isDirectory(root)) return Optional.empty();
        List<Path> runs;
        try (Stream<Path> children = Files.list(root)) {
            runs = children.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).toList();
        }
        Path best = null;
        FileTime bestTime = null;
        for (Path run : runs) {
            Optional<Path> newest = new CheckpointDirectory(run, 1).list().stream().max(Comparator.comparing(RunDirectories::modified));
            if (newest.isEmpty()) continue;
            FileTime time = modified(newest.get());
            if (bestTime == null || time.compareTo(bestTime) > 0) {
                best = run;
                bestTime = time;
            }
        }
        return Optional.ofNullable(best);
    }

    private static FileTime started(Path run) {
        return modified(run.resolve(TrainingRun.RUN_ID_FILE));
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0); // gone or unreadable: older than anything
        }
    }
}
