package org.alexnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The shape checks every backend shares (LinearShape, AdaptivePoolShape): sizes from consistent operands, a named error otherwise. */
class OpShapeChecksTest {
    @Test void consistentOperandsGiveTheSizes() {
        try (Backend b = Backends.create("reference")) {
            assertEquals(new LinearShape(3, 5, 7), LinearShape.check("linearForward",
                    b.allocate(Shape.of(3, 7)), b.allocate(Shape.of(3, 5)), b.allocate(Shape.of(7, 5)), b.allocate(Shape.of(7))));
        }
    }

    @Test void eachMismatchNamesTheOpAndTheOperand() {
        try (Backend b = Backends.create("reference")) {
            Tensor y = b.allocate(Shape.of(3, 7)), x = b.allocate(Shape.of(3, 5)), w = b.allocate(Shape.of(7, 5));
            assertNamed("linearForward weight", () -> LinearShape.check("linearForward", y, x, b.allocate(Shape.of(7, 4)), null));
            assertNamed("linearBackwardData (N, out)", () -> LinearShape.check("linearBackwardData", b.allocate(Shape.of(3, 6)), x, w, null));
            assertNamed("linearForward bias", () -> LinearShape.check("linearForward", y, x, w, b.allocate(Shape.of(5))));
            assertNamed("linearBackwardWeight (N, in)", () -> LinearShape.check("linearBackwardWeight", y, b.allocate(Shape.of(3, 5, 1)), w, null));
        }
    }

    @Test void adaptivePoolingChecksBatchAndChannelsAndGivesTheSizes() {
        try (Backend b = Backends.create("reference")) {
            Tensor x = b.allocate(Shape.of(2, 3, 5, 7));
            assertEquals(new AdaptivePoolShape(6, 5, 7, 6, 6), AdaptivePoolShape.check("adaptiveAvgPoolForward y", b.allocate(Shape.of(2, 3, 6, 6)), "adaptiveAvgPoolForward x", x));
            assertNamed("adaptiveAvgPoolForward y", () -> AdaptivePoolShape.check("adaptiveAvgPoolForward y", b.allocate(Shape.of(2, 4, 6, 6)), "adaptiveAvgPoolForward x", x));
            assertNamed("adaptiveAvgPoolBackward dx", () -> AdaptivePoolShape.check("adaptiveAvgPoolBackward dy", b.allocate(Shape.of(2, 3, 6, 6)), "adaptiveAvgPoolBackward dx", b.allocate(Shape.of(6, 35))));
        }
    }

    private static void assertNamed(String expected, Runnable call) {
        String message = assertThrows(ShapeException.class, call::run).getMessage();
        assertTrue(message.startsWith(expected), "message should start with '" + expected + "': " + message);
    }
}
