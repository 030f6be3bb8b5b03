// A buffer larger than a backend, this machine or this JVM can give, refused before it is allocated.
package org.alexnet4j.backend;

/** Thrown by {@link Backend#requireMemory} and the host limits; the message names what was asked for, its size and the limit. */
public final class MemoryLimitException extends RuntimeException {
    public MemoryLimitException(String message) { super(message); }
}
