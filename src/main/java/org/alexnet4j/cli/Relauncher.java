// Makes `java -jar alexnet4j.jar` work without flags: re-runs the same JVM with the Vector API module.
package org.alexnet4j.cli;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Vector API (jdk.incubator.vector) can only be added with a command-line flag, not by a manifest
 * attribute. When the module is missing, the same java binary is started again with the flags, this
 * JVM's own options, its class path (the jar under java -jar) and the same arguments; the child inherits
 * standard IO and its exit code is ours. The two live and die together: a signal that ends the launcher
 * (Ctrl-C, kill) is passed to the child as SIGTERM, and the launcher waits for it and leaves with its status;
 * a launcher that disappears without a word (kill -9) is noticed by the child, which then shuts down as on
 * SIGTERM (a training run saves a checkpoint first). ALEXNET4J_RELAUNCHED in the child's environment holds
 * the launcher's pid and stops a second relaunch; -Dalexnet4j.relaunch=false turns the whole thing off (the
 * cpu backend then reports itself unavailable).
 */
final class Relauncher {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    static final String GUARD_VARIABLE = "ALEXNET4J_RELAUNCHED";
    static final String OPT_OUT_PROPERTY = "alexnet4j.relaunch";

    private Relauncher() {}

    /** Whether the Vector API module is part of this JVM. */
    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** The command to relaunch with, or empty when this JVM should run the arguments itself. */
    static Optional<List<String>> relaunchCommand(String[] args) {
        if (vectorModulePresent()) return Optional.empty();
        if (System.getenv(GUARD_VARIABLE) != null) return Optional.empty();
        if ("false".equalsIgnoreCase(System.getProperty(OPT_OUT_PROPERTY))) return Optional.empty();
        Optional<String> java = ProcessHandle.current().info().command();
        String classPath = System.getProperty("java.class.path", "");
        if (java.isEmpty() || classPath.isEmpty()) return Optional.empty();
        List<String> command = new ArrayList<>();
        command.add(java.get());
        command.add("--add-modules");
        command.add(VECTOR_MODULE);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(classPath);
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return Optional.of(command);
    }

    /** How long a signalled launcher waits for its child to finish (train saves a checkpoint first). */
    static final long CHILD_GRACE_MINUTES = 10;

    /** The status of a JVM ended by SIGTERM, which the child takes when its launcher has gone. */
    static final int EXIT_TERMINATED = 128 + 15;

    /**
     * Runs {@code command} with inherited IO and returns its exit code. A signal to us is passed on to the
     * child (SIGTERM), and we wait for it to end and leave with its status, so the child's last words (train's
     * checkpoint and resume line) come before the shell's prompt and no child outlives us.
     */
    static int run(List<String> command) throws java.io.IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(GUARD_VARIABLE, Long.toString(ProcessHandle.current().pid()));
        Process child = builder.start();
        Thread stopChild = new Thread(() -> {
            child.destroy();
            try {
                if (!child.waitFor(CHILD_GRACE_MINUTES, java.util.concurrent.TimeUnit.MINUTES)) child.destroyForcibly();
                Runtime.getRuntime().halt(child.waitFor());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "alexnet4j-stop-child");
        Runtime.getRuntime().addShutdownHook(stopChild);
        int code = child.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(stopChild);
        } catch (IllegalStateException shuttingDown) {
            // signalled as the child ended: the hook halts with the child's status
        }
        return code;
    }

    /**
     * In a relaunched JVM: shuts it down (as SIGTERM would, shutdown hooks and all) once the launcher whose pid
     * {@link #GUARD_VARIABLE} holds has ended. Elsewhere nothing.
     */
    static void followLauncher() {
        String launcher = System.getenv(GUARD_VARIABLE);
        if (launcher == null || !launcher.matches("\\d+")) return;
        Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(launcher));
        Runnable stop = () -> {
            System.err.println("alexnet4j: the launching process " + launcher + " has ended; stopping");
            System.exit(EXIT_TERMINATED);
        };
        handle.ifPresentOrElse(h -> h.onExit().thenRun(stop), stop);
    }
}
