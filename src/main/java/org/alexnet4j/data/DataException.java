package org.alexnet4j.data;

/** A data file or folder that cannot be used; the message names the file and what was wrong with it. */
public class DataException extends RuntimeException {
    public DataException(String message) { super(message); }

    public DataException(String message, Throwable cause) { super(message, cause); }
}
