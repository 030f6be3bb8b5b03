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
        CliRun quiet = CliRun.of("bench", "--backend", "no-such-backend");
        assertEquals(Main.EXIT_FAILURE, quiet.exitCode(), quiet.toString());
        assertEquals(1, quiet.err().strip().split("\n").length, quiet.toString());
        assertTrue(quiet.err().startsWith("alexnet4j bench: error: unknown backend 'no-such-backend'"), quiet.toString());

        CliRun verbose = CliRun.of("bench", "--backend", "no-such-backend", "--verbose");
        assertEquals(Main.EXIT_FAILURE, verbose.exitCode());
        assertTrue(verbose.err().contains("\tat org.alexnet4j."), verbose.toString());
    }

    @Test
    void infoPrintsTheSeedSummaryTableOfSingleTowerAtTenClasses() {
        CliRun run = CliRun.of("info", "--variant", "single-tower", "--classes", "10");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("Total params: 58,322,314"), run.toString()); // ALEXNET.md, the seed's table
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
