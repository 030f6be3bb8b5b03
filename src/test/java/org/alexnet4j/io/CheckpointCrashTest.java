// Proves that a JVM killed (SIGKILL) in the middle of writing a checkpoint leaves the previous one intact.
package org.alexnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.alexnet4j.run.CheckpointDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointCrashTest {
    /** 64 MiB per checkpoint: a write takes long enough (tens of ms or more) to be caught in the middle. */
    private static final int LARGE_FLOATS = 16 << 20;

    @Test
    void killDuringWriteKeepsThePreviousCheckpointAndNoPartialFileCounts(@TempDir Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                CheckpointWriterProcess.class.getName(), dir.toString(), Integer.toString(LARGE_FLOATS))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            assertEquals("saved 1", out.readLine(), "the writer process did not report its first checkpoint");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (temporaryFiles(dir).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the writer never started a second checkpoint");
                Thread.onSpinWait();
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }

        assertTrue(!temporaryFiles(dir).isEmpty(), "the kill should have interrupted a write and left its temporary file");
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir, 100);
        List<Path> complete = checkpoints.list();
        assertTrue(complete.contains(checkpoints.pathFor(1)), "the first checkpoint must survive: " + complete);
        for (Path file : complete) {
            CheckpointFile.Contents contents = CheckpointFile.read(file); // every listed checkpoint is whole
            float expected = Float.parseFloat(contents.metadata().get("step"));
            for (float v : contents.tensors().get("marker").data()) assertEquals(expected, v, 0f, file.toString());
        }
        assertEquals(1f, CheckpointFile.read(checkpoints.pathFor(1)).tensors().get("marker").data()[0]);
    }

    private static List<Path> temporaryFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(AtomicFiles.TEMP_SUFFIX)).toList();
        }
    }
}
