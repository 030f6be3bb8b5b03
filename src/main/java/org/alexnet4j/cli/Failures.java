// Turns an exception into the one line the user sees.
package org.alexnet4j.cli;

/** One-line descriptions of failures for the command line. */
final class Failures {
    private Failures() {}

    /**
     * The message of the deepest cause that has one (wrappers such as UncheckedIOException add little),
     * prefixed with a plain name for exceptions whose message alone is unclear (file not found, out of memory).
     */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || isWrapper(t))) t = t.getCause();
        String message = t.getMessage();
        String text = switch (t) {
            case java.nio.file.NoSuchFileException n -> "no such file: " + message;
            case java.nio.file.AccessDeniedException a -> "access denied: " + message;
            case OutOfMemoryError o -> "out of memory (" + message + "); try a smaller --batch or a larger -Xmx";
            default -> message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
        };
        return text.replace('\n', ' ');
    }

    private static boolean isWrapper(Throwable t) {
        return t instanceof java.io.UncheckedIOException || t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException || t instanceof java.lang.reflect.InvocationTargetException;
    }
}
