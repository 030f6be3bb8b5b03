// The one line a failure is reported with.
package org.alexnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class FailuresTest {
    @Test
    void aWrapperWithItsOwnMessageKeepsItAndAPlainWrapperShowsTheCause() {
        assertEquals("cannot write checkpoint in runs/a: disk full",
                Failures.oneLine(new UncheckedIOException("cannot write checkpoint in runs/a: disk full", new IOException("disk full"))));
        assertEquals("no such file: w.safetensors", Failures.oneLine(new RuntimeException(new NoSuchFileException("w.safetensors"))));
        assertEquals("first line second line", Failures.oneLine(new IllegalStateException("first line\nsecond line")));
        assertEquals("NullPointerException", Failures.oneLine(new NullPointerException()));
    }
}
