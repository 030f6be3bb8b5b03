package org.alexnet4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts of what went wrong or was adjusted while reading data (skipped files, empty classes, images
 * smaller than the resize target), with the first few messages kept for the report. Thread-safe.
 */
public final class DataProblems {
    /** Shared empty instance for datasets that cannot have problems; adding to it throws. */
    public static final DataProblems NONE = new DataProblems(0);

    private static final int KEPT_MESSAGES = 10;

    private final int capacity;
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong upscaled = new AtomicLong();
    private final List<String> messages = new ArrayList<>();

    private DataProblems(int capacity) { this.capacity = capacity; }

    public DataProblems() { this(KEPT_MESSAGES); }

    /** A file or image that was left out, with the reason. */
    public void skipped(String message) {
        if (capacity == 0) throw new IllegalStateException("DataProblems.NONE is read-only: " + message);
        skipped.incrementAndGet();
        keep(message);
    }

    /** A warning that does not drop an image (e.g. an empty class folder). */
    public void warn(String message) {
        if (capacity == 0) throw new IllegalStateException("DataProblems.NONE is read-only: " + message);
        keep(message);
    }

    /** An image smaller than the resize target, upscaled to it. */
    public void upscaled() {
        if (capacity == 0) throw new IllegalStateException("DataProblems.NONE is read-only");
        upscaled.incrementAndGet();
    }

    /** Adds the counts and messages of {@code other} (e.g. files skipped while a folder was scanned). */
    public void include(DataProblems other) {
        if (other == this || (other.skippedCount() == 0 && other.upscaledCount() == 0 && other.messages().isEmpty())) return;
        if (capacity == 0) throw new IllegalStateException("DataProblems.NONE is read-only");
        skipped.addAndGet(other.skippedCount());
        upscaled.addAndGet(other.upscaledCount());
        for (String m : other.messages()) keep(m);
    }

    public long skippedCount() { return skipped.get(); }

    public long upscaledCount() { return upscaled.get(); }

    public synchronized List<String> messages() { return List.copyOf(messages); }

    /** One line for logs: counts plus the first messages. */
    public synchronized String summary() {
        StringBuilder b = new StringBuilder().append(skipped.get()).append(" skipped, ").append(upscaled.get()).append(" upscaled");
        for (String m : messages) b.append("\n  ").append(m);
        return b.toString();
    }

    private synchronized void keep(String message) {
        if (messages.size() < capacity) messages.add(message);
    }
}
