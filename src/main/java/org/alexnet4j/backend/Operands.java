package org.alexnet4j.backend;

import java.util.function.Supplier;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/** The checks every op contract is written with: each names its operand ("lrnForward scale") in the message. */
final class Operands {
    private Operands() {}

    /** t's shape; a NullPointerException naming {@code role} when t is null. */
    static Shape shape(Tensor t, String role) {
        if (t == null) throw new NullPointerException(role + " is null");
        return t.shape();
    }

    /** Throws a ShapeException naming {@code role} unless t has shape {@code expected}. */
    static void require(Tensor t, Shape expected, String role) { shape(t, role).require(expected, role); }

    /** The shape {@code check} computes, with {@code op} in front of the message when it throws a ShapeException. */
    static Shape named(String op, Supplier<Shape> check) {
        try {
            return check.get();
        } catch (ShapeException e) {
            throw new ShapeException(op + ": " + e.getMessage());
        }
    }

    /**
     * Refuses an output that shares any element with an input (views of one storage whose windows intersect):
     * "op: written must not overlap read (why)".
     */
    static void requireApart(String op, Tensor written, String writtenName, Tensor read, String readName, String why) {
        boolean overlap = written.storage() == read.storage() && written.offset() < read.offset() + read.size()
                && read.offset() < written.offset() + written.size();
        if (overlap) throw new IllegalArgumentException(op + ": " + writtenName + " must not overlap " + readName + " (" + why + ")");
    }
}
