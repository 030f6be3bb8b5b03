// The alexnet4j command line: help, version, exit codes and one-line errors.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {
    @ParameterizedTest
    @ValueSource(strings = {"info", "train", "eval", "predict", "bench"})
    void everyCommandHasHelp(String command) {
        CliRun run = CliRun.of(command, "--help");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("Usage: alexnet4j " + command), run.toString());
        assertTrue(run.out().contains("--help"), run.toString());
    }

    @Test
    void versionNamesTheProjectAndJava() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().startsWith("alexnet4j "), run.toString());
        assertTrue(run.out().contains("Java " + Runtime.version().feature()), run.toString());
    }

    @Test
    void anUnknownOptionIsAUsageErrorWithOneLineAndAHint() {
        CliRun run = CliRun.of("info", "--no-such-option");
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.toString());
        String[] lines = run.err().strip().split("\n");
        assertEquals(2, lines.length, run.toString());
        assertTrue(lines[0].startsWith("alexnet4j info: Unknown option: '--no-such-option'"), run.toString());
        assertEquals("Try 'alexnet4j info --help'.", lines[1]);
    }

    @Test
    void aFailureIsOneLineWithoutStackTraceUnlessVerbose() {
        CliRun quiet = CliRun.of("eval", "--weights", "no-such.safetensors", "--synthetic");
        assertEquals(Main.EXIT_FAILURE, quiet.exitCode(), quiet.toString());
        assertEquals("alexnet4j eval: error: no such file: no-such.safetensors", quiet.err().strip(), quiet.toString());

        CliRun verbose = CliRun.of("eval", "--weights", "no-such.safetensors", "--synthetic", "--verbose");
        assertEquals(Main.EXIT_FAILURE, verbose.exitCode());
        assertTrue(verbose.err().contains("\tat org.alexnet4j."), verbose.toString());
    }

    /** A value the command cannot use is a bad command line, as the README says: exit 2, the reason, the --help hint. */
    @ParameterizedTest
    @ValueSource(strings = {
        "bench --backend no-such-backend|unknown backend 'no-such-backend'; known: ",
        "bench --threads -1|threads must be >= 0",
        "bench --batch 0|--batch must be >= 1, got 0",
        "bench --threads 10000|threads 10000 is more than this machine can use: at most ",
        "eval --weights w.safetensors --synthetic --loader-threads 10000|--loader-threads 10000 is more than this machine can use: at most ",
        "train --input 100000|input size must be in 1..16384, got 100000",
        "info --variant vgg|unknown AlexNet variant 'vgg'; known: paper, single-tower, caffe, batchnorm, torchvision",
        "info --width 17|width multiplier must be in (0, 16], got 17.0",
        "info --input 30|input 30x30 is too small for the paper variant",
        "train --epochs 0|--epochs must be >= 1, got 0",
        "train --normalization zca|unknown normalization 'zca'; known: mean_image, channel_mean, channel_mean_std, none",
        "train --keep 0|--keep must be >= 1, got 0",
        "eval --weights w.safetensors --synthetic --bad-images maybe|Invalid value for option '--bad-images': expected fail or skip, got 'maybe'",
        "predict --weights w.safetensors --max-megapixels 0 x.png|Invalid value for option '--max-megapixels': expected megapixels in (0, 1000000], got 0",
        "eval --weights w.safetensors --synthetic 0|--synthetic needs a positive number of images, got 0",
        "eval --weights w.safetensors --synthetic --batch 0|--batch must be >= 1, got 0",
        "predict --weights w.safetensors --top 0 x.png|--top must be >= 1, got 0"})
    void aValueOutOfRangeIsAUsageError(String line) {
        String[] parts = line.split("\\|");
        CliRun run = CliRun.of(parts[0].split(" "));
        String command = "alexnet4j " + parts[0].split(" ")[0];
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.toString());
        String[] lines = run.err().strip().split("\n");
        assertEquals(2, lines.length, run.toString());
        assertTrue(lines[0].startsWith(command + ": " + parts[1]), run.toString());
        assertEquals("Try '" + command + " --help'.", lines[1]);
    }

    /** An Error thrown by a command (here: out of memory) is one line too, with the command's name, and no stack trace. */
    @Test
    void anErrorIsReportedInOneLine() {
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        picocli.CommandLine line = Main.commandLine(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        line.addSubcommand("boom", new picocli.CommandLine(new Boom()));
        line.setErr(new java.io.PrintWriter(err, true)); // again, for the subcommand just added
        assertEquals(Main.EXIT_FAILURE, line.execute("boom"));
        assertEquals("alexnet4j boom: error: out of memory (Java heap space); try a smaller --batch or a larger -Xmx", err.toString().strip());
    }

    @picocli.CommandLine.Command(name = "boom")
    static final class Boom implements java.util.concurrent.Callable<Integer> {
        @Override public Integer call() { throw new OutOfMemoryError("Java heap space"); }
    }

    @ParameterizedTest
    @ValueSource(strings = {"info", "train", "eval", "predict", "bench"})
    void helpNamesNoFileTheProjectLacks(String command) {
        CliRun run = CliRun.of(command, "--help");
        assertFalse(run.out().contains(".md"), run.toString());
    }

    @Test
    void infoPrintsTheSeedSummaryTableOfSingleTowerAtTenClasses() {
        CliRun run = CliRun.of("info", "--variant", "single-tower", "--classes", "10");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("Total params: 58,322,314"), run.toString()); // torchsummary's table of this model
        assertTrue(run.out().contains("Params size (MB): 222.48"), run.toString());
        assertTrue(run.out().contains("1,131,201,056 multiply-accumulates (2.262 GFLOP)"), run.toString()); // 1,135.3M MACs at 1000 classes less fc8's 4096 x 990
    }

    @Test
    void infoListsTheBackends() {
        CliRun run = CliRun.of("info");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("reference"), run.toString());
        assertFalse(run.out().contains("(none on the class path)"), run.toString());
    }
}
