// SIGTERM (as Ctrl-C's SIGINT) stops `train` at a step boundary with a checkpoint; `--resume` without a value continues that run.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnet4j.run.CheckpointDirectory;
import org.alexnet4j.run.RunDirectories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StopSignalTest {
    /** 160 images in batches of 8: 20 steps per epoch. */
    private static final List<String> TINY = List.of("train", "--backend", "reference", "--width", "0.0625", "--input", "67", "--synthetic-images", "160",
            "--batch", "8", "--loader-threads", "1");

    /** Starts `alexnet4j ARGS` in a fresh JVM whose working directory is {@code cwd}, standard error merged into standard output. */
    private static Process start(Path cwd, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx512m",
                "-D" + Relauncher.OPT_OUT_PROPERTY + "=false", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }

    /** The relaunching launcher (started without the Vector API module) passes SIGTERM on and exits only after its child has saved. */
    @Test
    void aSignalledLauncherWaitsForItsChildToSave(@TempDir Path cwd) throws Exception {
        // Width 1/4 on the reference backend: a step takes long enough that the child is surely still at work when the launcher is signalled.
        Process launcher = RelauncherTest.startLauncher(cwd, List.of("train", "--backend", "reference", "--width", "0.25", "--input", "67",
                "--synthetic-images", "64", "--batch", "8", "--loader-threads", "1", "--epochs", "3"));
        BufferedReader reader = new BufferedReader(new InputStreamReader(launcher.getInputStream()));
        List<String> lines = new ArrayList<>();
        for (String line; (line = reader.readLine()) != null && !line.startsWith("model "); ) lines.add(line);
        List<ProcessHandle> children = launcher.toHandle().children().toList();
        assertEquals(1, children.size(), "the launcher relaunched itself: " + lines);
        Thread.sleep(1000);
        assertTrue(launcher.toHandle().destroy(), "SIGTERM to the launcher alone");
        assertTrue(launcher.waitFor(120, TimeUnit.SECONDS));
        assertFalse(children.getFirst().isAlive(), "the child ended before the launcher");
        assertEquals(Relauncher.EXIT_TERMINATED, launcher.exitValue(), "the launcher leaves with the child's status");
        String rest = String.join("\n", reader.lines().toList());
        assertTrue(rest.contains("resume with: alexnet4j train --resume runs/"), rest);
    }

    @Test
    void sigtermSavesACheckpointAtTheNextStepAndResumeWithoutAValueContinuesIt(@TempDir Path cwd) throws Exception {
        Process train = start(cwd, concat(TINY, "--epochs", "3"));
        List<String> lines = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(train.getInputStream()));
        for (String line; (line = reader.readLine()) != null; ) {
            lines.add(line);
            if (line.startsWith("model ")) break; // the run has started; its first checkpoint is 20 steps away
        }
        assertTrue(lines.getLast().startsWith("model "), String.join("\n", lines));
        Path runs = cwd.resolve("runs");
        assertFalse(Files.exists(runs.resolve(RunDirectories.LATEST), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                "runs/latest waits for the run's first checkpoint: " + lines);
        Thread.sleep(300); // some steps (where it stops does not matter: the output says)
        CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> String.join("\n", reader.lines().toList()));
        assertTrue(train.toHandle().destroy(), "SIGTERM sent"); // unlike Process.destroy, leaves its output readable
        assertTrue(train.waitFor(120, TimeUnit.SECONDS));
        String output = String.join("\n", lines) + "\n" + rest.get(10, TimeUnit.SECONDS);
        assertEquals(143, train.exitValue(), output); // 128 + SIGTERM, after the hook returned

        Matcher stopped = Pattern.compile("stopped at epoch ([123])/3, step (\\d+); checkpoint (\\S+)\nresume with: alexnet4j train --resume (\\S+)")
                .matcher(output);
        assertTrue(stopped.find(), output);
        Path runDir = cwd.resolve(stopped.group(4)), checkpoint = cwd.resolve(stopped.group(3));
        int epoch = Integer.parseInt(stopped.group(1));
        long step = Long.parseLong(stopped.group(2)), batch = step - 20L * (epoch - 1);
        assertTrue(batch >= 0 && batch < 20, output);
        assertEquals(new CheckpointDirectory(runDir, 1).pathFor(step), checkpoint);
        assertTrue(Files.isRegularFile(checkpoint), output);
        assertEquals(runDir.getFileName(), Files.readSymbolicLink(runs.resolve(RunDirectories.LATEST)), "runs/latest follows the run once it has a checkpoint");

        Process resume = start(cwd, concat(TINY, "--resume", "--epochs", Integer.toString(epoch))); // to the end of the stopped epoch
        String resumed = new String(resume.getInputStream().readAllBytes());
        assertTrue(resume.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, resume.exitValue(), resumed);
        assertTrue(resumed.contains("--resume: the run in runs trained most recently is " + Path.of("runs").resolve(runDir.getFileName())), resumed);
        assertTrue(resumed.contains("(epoch " + epoch + "/" + epoch + ", batch " + batch + ", step " + step + ")"), resumed);
        assertTrue(resumed.contains("epoch " + epoch + "/" + epoch + "  train loss"), resumed);
    }
}
