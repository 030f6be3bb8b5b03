package org.alexnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op's contract on every backend (reference included): a wrong operand shape is a ShapeException and a
 * bad value an IllegalArgumentException, each naming the op and the operand, thrown before the op writes
 * anything (every operand still holds its sentinel afterwards). The cases cover every op of {@link Backend}
 * that takes a tensor, which {@link #everyTensorOpHasACase()} enforces.
 */
class OpContractTest {
    private static final float SENTINEL = 7f;
    private static final ConvSpec GROUPED = ConvSpec.of(1, 0, 2);
    private static final LrnSpec LRN = new LrnSpec(5, 1e-4, 0.75, 2);
    private static final BatchNormSpec BN = BatchNormSpec.PYTORCH_DEFAULT;

    /** Allocates operands on one backend, each filled with the sentinel, and checks they still hold it. */
    static final class Operands implements AutoCloseable {
        final Backend backend;
        private final List<Tensor> made = new ArrayList<>();

        Operands(Backend backend) { this.backend = backend; }

        Tensor t(int... dims) {
            Tensor t = backend.allocate(Shape.of(dims));
            float[] values = new float[Math.toIntExact(t.size())];
            Arrays.fill(values, SENTINEL);
            backend.copyFromHost(t, values, 0);
            made.add(t);
            return t;
        }

        void assertUntouched(String what) {
            for (Tensor t : made) {
                float[] values = new float[Math.toIntExact(t.size())];
                backend.copyToHost(values, 0, t);
                float[] sentinel = new float[values.length];
                Arrays.fill(sentinel, SENTINEL);
                assertArrayEquals(sentinel, values, what + ": an operand " + t.shape() + " was written before the check failed");
            }
        }

        @Override public void close() { made.forEach(Tensor::close); }
    }

    /** One violated contract: the op, the start of the message, the exception type, and the call. */
    record Case(String op, String message, Class<? extends RuntimeException> type, BiConsumer<Backend, Operands> call) {
        @Override public String toString() { return message; }
    }

    static Case shape(String op, String message, BiConsumer<Backend, Operands> call) { return new Case(op, message, ShapeException.class, call); }

    static Case value(String op, String message, BiConsumer<Backend, Operands> call) { return new Case(op, message, IllegalArgumentException.class, call); }

    static final List<Case> CASES = List.of(
            shape("conv2dForward", "conv2dForward y", (b, o) -> b.conv2dForward(o.t(2, 6, 8, 8), o.t(2, 4, 9, 9), o.t(6, 2, 3, 3), null, GROUPED)),
            shape("conv2dForward", "conv2dForward bias", (b, o) -> b.conv2dForward(o.t(2, 6, 7, 7), o.t(2, 4, 9, 9), o.t(6, 2, 3, 3), o.t(5), GROUPED)),
            shape("conv2dForward", "conv2dForward: conv weight", (b, o) -> b.conv2dForward(o.t(2, 6, 7, 7), o.t(2, 4, 9, 9), o.t(6, 4, 3, 3), null, GROUPED)),
            shape("conv2dReluForward", "conv2dReluForward y", (b, o) -> b.conv2dReluForward(o.t(2, 5, 7, 7), o.t(2, 4, 9, 9), o.t(6, 2, 3, 3), null, GROUPED)),
            shape("conv2dBackwardData", "conv2dBackwardData dy", (b, o) -> b.conv2dBackwardData(o.t(2, 4, 9, 9), o.t(2, 6, 7, 6), o.t(6, 2, 3, 3), GROUPED)),
            shape("conv2dBackwardFilter", "conv2dBackwardFilter dy", (b, o) -> b.conv2dBackwardFilter(o.t(6, 2, 3, 3), o.t(1, 6, 7, 7), o.t(2, 4, 9, 9), GROUPED)),
            shape("biasBackward", "biasBackward db", (b, o) -> b.biasBackward(o.t(5), o.t(2, 6, 7, 7))),
            shape("biasBackward", "biasBackward dy", (b, o) -> b.biasBackward(o.t(6), o.t(6))),
            shape("linearForward", "linearForward weight", (b, o) -> b.linearForward(o.t(2, 5), o.t(2, 7), o.t(5, 6), null)),
            shape("linearForward", "linearForward bias", (b, o) -> b.linearForward(o.t(2, 5), o.t(2, 7), o.t(5, 7), o.t(7))),
            shape("linearBackwardData", "linearBackwardData (N, out)", (b, o) -> b.linearBackwardData(o.t(2, 7), o.t(3, 5), o.t(5, 7))),
            shape("linearBackwardWeight", "linearBackwardWeight weight", (b, o) -> b.linearBackwardWeight(o.t(7, 5), o.t(2, 5), o.t(2, 7))),
            shape("maxPoolForward", "maxPoolForward y", (b, o) -> b.maxPoolForward(o.t(2, 4, 4, 3), o.t(2, 4, 9, 9), PoolSpec.of(3, 2))),
            shape("maxPoolForward", "maxPoolForward: max pool window", (b, o) -> b.maxPoolForward(o.t(2, 4, 1, 1), o.t(2, 4, 2, 2), PoolSpec.of(3, 2))),
            shape("maxPoolBackward", "maxPoolBackward dy", (b, o) -> b.maxPoolBackward(o.t(2, 4, 9, 9), o.t(2, 4, 4, 3), o.t(2, 4, 4, 4), o.t(2, 4, 9, 9), PoolSpec.of(3, 2))),
            shape("maxPoolBackward", "maxPoolBackward dx", (b, o) -> b.maxPoolBackward(o.t(2, 4, 9, 8), o.t(2, 4, 4, 4), o.t(2, 4, 4, 4), o.t(2, 4, 9, 9), PoolSpec.of(3, 2))),
            shape("adaptiveAvgPoolForward", "adaptiveAvgPoolForward y", (b, o) -> b.adaptiveAvgPoolForward(o.t(2, 3, 2, 2), o.t(2, 4, 9, 9))),
            shape("adaptiveAvgPoolBackward", "adaptiveAvgPoolBackward dx", (b, o) -> b.adaptiveAvgPoolBackward(o.t(6, 81), o.t(2, 3, 2, 2))),
            shape("lrnForward", "lrnForward scale", (b, o) -> b.lrnForward(o.t(2, 4, 9, 9), o.t(2, 4, 9, 8), o.t(2, 4, 9, 9), LRN)),
            shape("lrnForward", "lrnForward x", (b, o) -> b.lrnForward(o.t(4, 9, 9), o.t(4, 9, 9), o.t(4, 9, 9), LRN)),
            value("lrnForward", "lrnForward: y must not overlap x", (b, o) -> {
                Tensor x = o.t(2, 4, 9, 9);
                b.lrnForward(x, o.t(2, 4, 9, 9), x, LRN);
            }),
            shape("lrnBackward", "lrnBackward dy", (b, o) -> b.lrnBackward(o.t(2, 4, 9, 9), o.t(2, 3, 9, 9), o.t(2, 4, 9, 9), o.t(2, 4, 9, 9), o.t(2, 4, 9, 9), LRN)),
            value("lrnBackward", "lrnBackward: dx must not overlap dy", (b, o) -> {
                Tensor dy = o.t(2, 4, 9, 9);
                b.lrnBackward(dy, dy, o.t(2, 4, 9, 9), o.t(2, 4, 9, 9), o.t(2, 4, 9, 9), LRN);
            }),
            value("lrnBackward", "lrnBackward: dx must not overlap x", (b, o) -> {
                Tensor x = o.t(2, 4, 9, 9);
                b.lrnBackward(x, o.t(2, 4, 9, 9), o.t(2, 4, 9, 9), o.t(2, 4, 9, 9), x, LRN);
            }),
            shape("reluForward", "reluForward y", (b, o) -> b.reluForward(o.t(3, 5), o.t(5, 3))),
            shape("reluBackward", "reluBackward dx", (b, o) -> b.reluBackward(o.t(3, 4), o.t(3, 5), o.t(3, 5))),
            shape("dropoutForward", "dropoutForward mask", (b, o) -> b.dropoutForward(o.t(3, 5), o.t(15), o.t(3, 5), 0.5f, 1)),
            value("dropoutForward", "dropoutForward: p must be in [0, 1)", (b, o) -> b.dropoutForward(o.t(3, 5), o.t(3, 5), o.t(3, 5), 1f, 1)),
            shape("dropoutBackward", "dropoutBackward dy", (b, o) -> b.dropoutBackward(o.t(3, 5), o.t(3, 6), o.t(3, 5))),
            shape("batchNormForwardTraining", "batchNormForwardTraining beta", (b, o) -> b.batchNormForwardTraining(o.t(2, 4, 3, 3),
                    o.t(4), o.t(4), o.t(4), o.t(4), o.t(2, 4, 3, 3), o.t(4), o.t(3), BN)),
            shape("batchNormForwardTraining", "batchNormForwardTraining x", (b, o) -> b.batchNormForwardTraining(o.t(2, 4),
                    o.t(4), o.t(4), o.t(4), o.t(4), o.t(2, 4), o.t(4), o.t(4), BN)),
            value("batchNormForwardTraining", "batchNormForwardTraining: needs more than one value per channel", (b, o) ->
                    b.batchNormForwardTraining(o.t(1, 2, 1, 1), o.t(2), o.t(2), o.t(2), o.t(2), o.t(1, 2, 1, 1), o.t(2), o.t(2), BN)),
            shape("batchNormForwardInference", "batchNormForwardInference runningVar", (b, o) -> b.batchNormForwardInference(o.t(2, 4, 3, 3),
                    o.t(2, 4, 3, 3), o.t(4), o.t(4), o.t(4), o.t(1, 4), BN)),
            shape("batchNormBackward", "batchNormBackward dy", (b, o) -> b.batchNormBackward(o.t(2, 4, 3, 3), o.t(4), o.t(4),
                    o.t(2, 4, 3, 2), o.t(2, 4, 3, 3), o.t(4), o.t(4), o.t(4), BN)),
            shape("softmaxForward", "softmaxForward probs", (b, o) -> b.softmaxForward(o.t(2, 9), o.t(2, 10))),
            shape("softmaxCrossEntropyForward", "softmaxCrossEntropyForward labels", (b, o) -> b.softmaxCrossEntropyForward(o.t(2, 10), o.t(2, 10), new int[] {3})),
            value("softmaxCrossEntropyForward", "softmaxCrossEntropyForward labels[1] = 10", (b, o) -> b.softmaxCrossEntropyForward(o.t(2, 10), o.t(2, 10), new int[] {3, 10})),
            shape("softmaxCrossEntropyBackward", "softmaxCrossEntropyBackward dlogits", (b, o) -> b.softmaxCrossEntropyBackward(o.t(3, 10), o.t(2, 10), new int[] {1, 2})),
            value("softmaxCrossEntropyBackward", "softmaxCrossEntropyBackward labels[0] = -1", (b, o) -> b.softmaxCrossEntropyBackward(o.t(2, 10), o.t(2, 10), new int[] {-1, 2})),
            shape("sgdUpdate", "sgdUpdate: weights", (b, o) -> b.sgdUpdate(o.t(4), o.t(4), o.t(3), SgdSpec.paper(0.01f))),
            shape("copy", "copy: dst", (b, o) -> b.copy(o.t(4), o.t(5))),
            new Case("copyFromHost", "copyFromHost src", IndexOutOfBoundsException.class, (b, o) -> b.copyFromHost(o.t(4), new float[5], 2)),
            new Case("copyToHost", "copyToHost dst", IndexOutOfBoundsException.class, (b, o) -> b.copyToHost(new float[3], 0, o.t(4))),
            new Case("freeze", "freeze t is null", NullPointerException.class, (b, o) -> b.freeze(null)));

    static Stream<Arguments> cases() {
        return Backends.providers().stream().map(BackendProvider::name).flatMap(backend -> CASES.stream().map(c -> Arguments.of(backend, c)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void aViolatedContractIsNamedAndNothingIsWritten(String backendName, Case c) {
        BackendProvider.Availability availability = Backends.providers().stream().filter(p -> p.name().equals(backendName)).findFirst().orElseThrow().availability();
        assumeTrue(availability.available(), () -> "backend " + backendName + " is not available here: " + availability.reason());
        try (Backend backend = Backends.create(backendName); Operands operands = new Operands(backend)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> c.call().accept(backend, operands));
            assertEquals(c.type(), e.getClass(), () -> "exception type for '" + c.message() + "': " + e);
            assertTrue(e.getMessage().startsWith(c.message()), () -> "message should start with '" + c.message() + "': " + e.getMessage());
            operands.assertUntouched(backendName + " " + c.message());
        }
    }

    /** Every op of the interface that takes a tensor (allocation and lifetime aside) has a case above. */
    @Test void everyTensorOpHasACase() {
        Set<String> ops = Arrays.stream(Backend.class.getMethods())
                .filter(m -> Arrays.asList(m.getParameterTypes()).contains(Tensor.class))
                .map(Method::getName).filter(name -> !name.equals("fill")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> covered = CASES.stream().map(Case::op).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(ops, covered);
        assertFalse(ops.isEmpty());
    }
}
