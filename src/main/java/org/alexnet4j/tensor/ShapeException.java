package org.alexnet4j.tensor;

/** A tensor of the wrong shape reached a layer or an op; the message names it, the shape seen and the shape expected. */
public class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) { super(message); }
}
