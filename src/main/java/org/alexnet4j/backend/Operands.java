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

    /** Whether a and b share any element (views of one storage whose windows intersect). */
    static boolean overlap(Tensor a, Tensor b) {
        return a.storage() == b.storage() && a.offset() < b.offset() + b.size() && b.offset() < a.offset() + a.size();
    }
}
