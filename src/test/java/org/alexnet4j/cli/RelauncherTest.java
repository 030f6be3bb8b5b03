// A JVM started without the Vector API module relaunches itself with it, unless told not to.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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
}
