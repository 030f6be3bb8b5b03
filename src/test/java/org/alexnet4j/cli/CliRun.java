// Runs one alexnet4j command line in-process and captures its exit code and both output streams.
package org.alexnet4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The result of {@link #of}: exit code, standard output and standard error. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** {@code first}'s arguments, then {@code more}. */
    static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Override public String toString() { return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err; }
}
