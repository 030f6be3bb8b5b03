package org.alexnet4j.backend.cpu;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.gaussian;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.backend.cpu.Convolution.Lowering;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The convolution lowerings (im2col, implicit GEMM, direct) each against the reference backend, on shapes
 * with vector tails, padding, stride 4 and two groups, through the fused bias + ReLU forward and the
 * filter gradient; then against each other bit for bit (the same sums in the same order: im2col and implicit
 * feed the same packed panels to the same kernel, direct sums the same depth blocks), and the measured
 * choice settling on one per shape and direction without changing a result.
 * Tolerances as in the backend equivalence suite: 8 u L t for a float32 sum of L unit-size terms, rtol 1e-5.
 */
class ConvolutionLoweringTest {
    private static final double U = 0x1p-24;

    private record Case(int n, int c, int h, int w, int k, int r, ConvSpec spec) {
        Shape x() { return Shape.of(n, c, h, w); }
        Shape filter() { return Shape.of(k, c / spec.groups(), r, r); }
        Shape y() { return spec.outputShape(x(), filter()); }
        long forwardTerms() { return (long) c / spec.groups() * r * r; }
        long filterTerms() { return (long) n * y().dim(2) * y().dim(3); }
    }

    private static final List<Case> CASES = List.of(
            new Case(3, 3, 35, 33, 16, 11, ConvSpec.of(4, 2, 1)),   // conv1-like, stride 4 with padding, 16 x 9 output
            new Case(2, 6, 27, 27, 10, 5, ConvSpec.of(1, 2, 2)),    // conv2-like, two groups, 27 x 27 output
            new Case(3, 17, 13, 13, 33, 3, ConvSpec.of(1, 1, 1)),   // conv3-like, odd channels and filters
            new Case(1, 460, 7, 9, 9, 3, ConvSpec.of(1, 0, 1)));    // 4140 = C*R*S spans two GEMM depth blocks

    /** The outputs of one backend on one case: relu-forward y, plain forward y, and dw accumulated onto a start value. */
    private record Outputs(float[] relu, float[] plain, float[] dw) {}

    private static Outputs run(Backend b, Case cc) {
        try (Tensor x = upload(b, cc.x(), gaussian(1, cc.x().size(), 1)); Tensor w = upload(b, cc.filter(), gaussian(2, cc.filter().size(), 1));
             Tensor bias = upload(b, Shape.of(cc.k()), gaussian(3, Shape.of(cc.k()).size(), 1)); Tensor dy = upload(b, cc.y(), gaussian(4, cc.y().size(), 1));
             Tensor dw = upload(b, cc.filter(), gaussian(5, cc.filter().size(), 1)); Tensor relu = b.allocate(cc.y()); Tensor plain = b.allocate(cc.y())) {
            b.conv2dReluForward(relu, x, w, bias, cc.spec());
            b.conv2dForward(plain, x, w, bias, cc.spec());
            b.conv2dBackwardFilter(dw, dy, x, cc.spec());
            return new Outputs(download(b, relu), download(b, plain), download(b, dw));
        }
    }

    private static CpuBackend cpu(CpuOptions.Lowering lowering) {
        return new CpuBackend(BackendOptions.defaults().withThreads(2).withCpu(CpuOptions.defaults().withLowering(lowering)));
    }

    private static CpuOptions.Lowering setting(Lowering lowering) { return CpuOptions.Lowering.valueOf(lowering.name()); }

    @ParameterizedTest
    @EnumSource(Lowering.class)
    void eachLoweringMatchesTheReference(Lowering lowering) {
        assumeTrue(CpuConfig.VECTOR, "the lowerings are Vector API paths");
        try (Backend reference = Backends.create("reference"); CpuBackend candidate = cpu(setting(lowering))) {
            for (Case cc : CASES) {
                Outputs expected = run(reference, cc), actual = run(candidate, cc);
                String what = lowering + " " + cc;
                Approx.assertClose(what + " conv2dReluForward", expected.relu(), actual.relu(), 8 * U * cc.forwardTerms(), 1e-5);
                Approx.assertClose(what + " conv2dForward", expected.plain(), actual.plain(), 8 * U * cc.forwardTerms(), 1e-5);
                Approx.assertClose(what + " conv2dBackwardFilter (+=)", expected.dw(), actual.dw(), 8 * U * cc.filterTerms(), 1e-5);
                for (float v : actual.relu()) assertTrue(v >= 0, what + ": a fused ReLU output is negative");
            }
        }
    }

    @Test
    void loweringsAgreeBitForBitAndTheMeasuredChoiceSettles() {
        assumeTrue(CpuConfig.VECTOR, "the lowerings are Vector API paths");
        try (CpuBackend im2col = cpu(CpuOptions.Lowering.IM2COL); CpuBackend implicit = cpu(CpuOptions.Lowering.IMPLICIT);
             CpuBackend direct = cpu(CpuOptions.Lowering.DIRECT)) {
            try (CpuBackend tuned = cpu(CpuOptions.Lowering.AUTO)) {
                for (Case cc : CASES) {
                    Outputs a = run(im2col, cc);
                    for (Outputs b : List.of(run(implicit, cc), run(direct, cc))) {
                        assertArrayEquals(a.relu(), b.relu(), "relu forward " + cc);
                        assertArrayEquals(a.plain(), b.plain(), "forward " + cc);
                        assertArrayEquals(a.dw(), b.dw(), "filter gradient " + cc);
                    }
                    // run() makes two forward calls and one filter call: as many runs as forward calls to choose close both choices
                    for (int call = 0; call < LoweringChoice.Direction.FORWARD.callsToChoose(); call++) {
                        Outputs t = run(tuned, cc);
                        if (call == 0) assertTrue(tuned.tuning(), "a new shape is being measured");
                        assertArrayEquals(a.plain(), t.plain(), "measured choice, forward, call " + call + " " + cc);
                        assertArrayEquals(a.dw(), t.dw(), "measured choice, filter gradient, call " + call + " " + cc);
                    }
                }
                assertEquals(2 * CASES.size(), tuned.settledLoweringChoices(), "a choice per shape and direction");
                assertFalse(tuned.tuning(), "every shape met is settled");
            }
        }
    }

    @Test
    void inputsTooLargeForTheHeapCopyTakeIm2col() {
        LoweringChoice implicit = LoweringChoice.fixed(Lowering.IMPLICIT);
        ConvSpec spec = ConvSpec.of(1, 0, 1);
        Convolution.Geometry small = new Convolution.Geometry(2, 96, 27, 27, 256, 5, 5, 23, 23, spec);
        Convolution.Geometry huge = new Convolution.Geometry(1, 256, 3000, 3000, 16, 3, 3, 2998, 2998, spec); // 2.3e9 floats padded
        assertEquals(Lowering.IMPLICIT, implicit.pick(small, LoweringChoice.Direction.FORWARD).lowering());
        assertEquals(Lowering.IM2COL, implicit.pick(huge, LoweringChoice.Direction.FORWARD).lowering());
        assertEquals(Lowering.IMPLICIT, LoweringChoice.fixed(Lowering.DIRECT).pick(small, LoweringChoice.Direction.FILTER).lowering());
        assertEquals(Lowering.IM2COL, LoweringChoice.measured().pick(huge, LoweringChoice.Direction.FILTER).lowering());
    }

    @Test
    void directIsACandidateWhereItsRowTilesAreMostlyFull() {
        assumeTrue(CpuConfig.VECTOR, "the lowerings are Vector API paths");
        int nr = GemmKernels.NR; // a row tile: two vectors, 8, 16 or 32 floats at 128, 256 or 512 bits
        assertTrue(directForward(3 * nr / 4), "a quarter of one tile idle");
        assertFalse(directForward(3 * nr / 4 - 1), "more than a quarter of one tile idle");
        assertFalse(directForward(nr + 1), nr - 1 + " of " + 2 * nr + " lanes idle");
        assertTrue(directForward(2 * nr), "full tiles");
        // AlexNet's 55-wide rows leave 9 of 64 lanes idle at 512 and 256 bits, 1 of 56 at 128; the 13-wide rows
        // of conv3 to conv5 leave 19 of 32 idle at 512 bits, 3 of 16 at 256 and 128
        assertTrue(directForward(55), "55-wide rows");
        assertEquals(nr < 32, directForward(13), "13-wide rows, " + nr + "-float tiles");
        Convolution.Geometry conv1 = new Convolution.Geometry(64, 3, 227, 227, 96, 11, 11, 55, 55, ConvSpec.of(4, 0, 1));
        assertFalse(List.of(LoweringChoice.Direction.FILTER.candidates(conv1)).contains(Lowering.DIRECT), "direct is forward-only");
    }

    /** Whether direct is a forward candidate for a 3x3 convolution with rows of q outputs. */
    private static boolean directForward(int q) {
        Convolution.Geometry g = new Convolution.Geometry(1, 64, q, q, 64, 3, 3, q, q, ConvSpec.of(1, 1, 1));
        return List.of(LoweringChoice.Direction.FORWARD.candidates(g)).contains(Lowering.DIRECT);
    }
}
