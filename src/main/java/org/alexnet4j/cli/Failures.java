// Turns an exception into the one line the user sees.
package org.alexnet4j.cli;

import org.alexnet4j.data.DataException;

/** One-line descriptions of failures for the command line. */
final class Failures {
    private Failures() {}

    /**
     * The message of the exception, or of its cause when the exception only wraps it (no message of its own,
     * or the cause's toString as message), prefixed with a plain name where the message alone is unclear.
     */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
            t = t.getCause();
        }
        String message = t.getMessage();
        String text = switch (t) {
            case java.nio.file.NoSuchFileException n -> "no such file: " + message;
            case java.nio.file.AccessDeniedException a -> "access denied: " + message;
            case OutOfMemoryError o -> "out of memory (" + message + "); try a smaller --batch or a larger -Xmx";
            case DataException d when d.remedy() != null -> d.problem() + "; " + switch (d.remedy()) {
                case SKIP_BAD_IMAGES -> "remove it, or skip bad images (--bad-images skip)";
                case RAISE_PIXEL_LIMIT -> "raise the limit (--max-megapixels)";
            };
            default -> message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
        };
        return text.replace('\n', ' ');
    }
}
