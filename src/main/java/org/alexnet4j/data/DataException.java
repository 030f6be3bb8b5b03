package org.alexnet4j.data;

/**
 * A data file or folder that cannot be used; the message names the file and what was wrong with it, and
 * ends with the {@link Remedy} where a setting would let the data through (a front end may name its own flag).
 */
public class DataException extends RuntimeException {
    /** A setting that lets such data through, in the library's words. */
    public enum Remedy {
        SKIP_BAD_IMAGES("remove it, or skip bad images (ImageReading policy SKIP)"),
        RAISE_PIXEL_LIMIT("raise the limit (ImageReading maxPixels)");

        private final String advice;

        Remedy(String advice) { this.advice = advice; }
    }

    private final String problem;
    private final Remedy remedy;

    public DataException(String message) { this(message, (Throwable) null); }

    public DataException(String message, Throwable cause) {
        super(message, cause);
        this.problem = message;
        this.remedy = null;
    }

    /** {@code problem}, then "; " and the remedy's advice. */
    public DataException(String problem, Remedy remedy) {
        super(problem + "; " + remedy.advice);
        this.problem = problem;
        this.remedy = remedy;
    }

    /** The message without the remedy. */
    public String problem() { return problem; }

    /** The setting that would let the data through; null when none would. */
    public Remedy remedy() { return remedy; }
}
