// A JVM started without the Vector API module relaunches itself with it, unless told not to.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelauncherTest {
    /** Runs Main with {@code args} in a fresh JVM given only {@code jvmOptions} and the test class path. */
    private static String run(List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove(Relauncher.GUARD_VARIABLE);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    @Test
    void withoutTheModuleTheChildRunsWithIt() throws Exception {
        String output = run(List.of("-Xmx256m"), "--version");
        assertTrue(output.contains("Vector API module: present"), output);
    }

    @Test
    void theOptOutRunsInTheSameJvmWithoutTheModule() throws Exception {
        String output = run(List.of("-Xmx256m", "-D" + Relauncher.OPT_OUT_PROPERTY + "=false"), "--version");
        assertTrue(output.contains("Vector API module: absent"), output);
    }

    @Test
    void theChildExitCodeIsPassedOn() throws Exception {
        List<String> command = List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "info", "--no-such-option");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove(Relauncher.GUARD_VARIABLE);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(Main.EXIT_USAGE, process.exitValue(), output);
    }

    /**
     * Starts `alexnet4j ARGS` as a launcher (a fresh JVM without the Vector API module, so it relaunches itself) whose
     * working directory is {@code cwd}, standard error merged into standard output.
     */
    static Process startLauncher(Path cwd, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        builder.environment().remove(Relauncher.GUARD_VARIABLE);
        return builder.start();
    }

    /** A launcher training a tiny model for many epochs, its output read line by line. */
    private static Process launchLongTraining(Path runDirectory) throws Exception {
        return startLauncher(runDirectory, List.of("train", "--synthetic-images", "16", "--width", "0.0625", "--epochs", "10000", "--batch", "8",
                "--loader-threads", "1", "--threads", "1", "--checkpoint-dir", runDirectory.toString()));
    }

    /** Reads {@code process}'s output until a line contains {@code text}. */
    private static void readUntil(Process process, String text) throws Exception {
        java.io.BufferedReader reader = process.inputReader();
        StringBuilder seen = new StringBuilder();
        for (String line; (line = reader.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.contains(text)) return;
        }
        throw new AssertionError("no line with '" + text + "' in:\n" + seen);
    }

    @Test
    void theChildStopsWithACheckpointWhenItsLauncherIsKilled(@TempDir Path dir) throws Exception {
        Process launcher = launchLongTraining(dir);
        readUntil(launcher, "epoch 2/10000");
        ProcessHandle child = launcher.toHandle().children().findFirst().orElseThrow();
        try {
            launcher.destroyForcibly(); // SIGKILL: the launcher can tell no one
            assertTrue(child.onExit().get(60, TimeUnit.SECONDS) != null && !child.isAlive(), "the child outlived its launcher");
            assertTrue(new org.alexnet4j.run.CheckpointDirectory(dir, 1).latest().isPresent(), "a checkpoint was saved on the way out");
        } finally {
            child.destroyForcibly();
        }
    }
}
