// Entry point of target/alexnet4j.jar: the `alexnet4j` command and its subcommands.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code alexnet4j info|train|eval|predict|bench}. Exit code 0 on success, 1 when a command fails (one
 * line saying why; the stack trace too with --verbose), 2 for a bad command line.
 */
@Command(name = "alexnet4j", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Trains and runs AlexNet on the JVM (reference, cpu and cuda backends).",
        subcommands = {InfoCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-v", "--verbose", "--stacktrace"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of a failure and debug details.")
    boolean verbose;

    /** Without a subcommand: the usage. */
    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    public static void main(String[] args) throws Exception {
        // One-line log records ("INFO: backend auto: chose cpu") instead of the two-line default.
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        // The command line draws charts into images only; it never opens a window, even where a display is set.
        System.setProperty("java.awt.headless", "true");
        Relauncher.followLauncher();
        Optional<List<String>> relaunch = Relauncher.relaunchCommand(args);
        int code = relaunch.isPresent() ? Relauncher.run(relaunch.get()) : run(new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args);
        System.exit(code);
    }

    /** Runs one command line with the given streams and returns its exit code (what tests call). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine(out, err).execute(args);
    }

    /** The configured picocli command line: streams, exit codes and one-line error reporting. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out).setErr(err);
        // An Error (out of memory, a failure inside the JDK's image decoders) is reported as one line like any failure.
        cl.setExecutionStrategy(parsed -> {
            try {
                return new CommandLine.RunLast().execute(parsed);
            } catch (Error e) {
                CommandLine.ParseResult last = parsed;
                while (last.subcommand() != null) last = last.subcommand();
                throw new CommandLine.ExecutionException(last.commandSpec().commandLine(), e.toString(), e);
            }
        });
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter to = line.getErr();
            to.println(qualifiedName(line) + ": error: " + Failures.oneLine(e));
            if (verbose(parsed)) e.printStackTrace(to);
            to.flush();
            return EXIT_FAILURE;
        });
        cl.setParameterExceptionHandler((e, argv) -> {
            CommandLine line = e.getCommandLine();
            PrintWriter to = line.getErr();
            to.println(qualifiedName(line) + ": " + e.getMessage());
            to.println("Try '" + qualifiedName(line) + " --help'.");
            to.flush();
            return EXIT_USAGE;
        });
        return cl;
    }

    /** "alexnet4j" or "alexnet4j train". */
    private static String qualifiedName(CommandLine line) {
        return line.getParent() == null ? line.getCommandName() : qualifiedName(line.getParent()) + " " + line.getCommandName();
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }
}
