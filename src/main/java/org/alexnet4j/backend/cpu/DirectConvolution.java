package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.ORDER;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Direct convolution forward: no column matrix, no packed panels. One image's group input is copied once
 * into a zero-padded heap image split into strideW phases (phase f of a row holds its columns f, f + strideW,
 * ...), so that the inputs of NR consecutive outputs of a row are NR consecutive floats for every filter tap.
 * The kernel then runs over the C/groups*R*S taps with an MR x NR tile of outputs in registers (MR filters
 * broadcast from the packed filters, NR outputs of one row as two vectors) and stores it through the GEMM's
 * tile store and epilogue. It pays where gathering GEMM panels costs most and rows fill the vectors (conv1:
 * 3 channels, stride 4, 55-wide rows; fastest there at batch 1); {@link LoweringChoice} measures it against
 * the GEMM lowerings per shape. One instance per worker; loaded only when {@link CpuConfig#VECTOR}.
 */
final class DirectConvolution {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int MR = GemmKernels.MR, NR = GemmKernels.NR;
    private static final long TILE_BYTES = GemmKernels.TILE_FLOATS * 4L;

    /**
     * The layout of one geometry's phase image: planes of paddedH rows of rowFloats floats, plane
     * (c*strideW + phase); tap[t] the offset of tap t = (c*R + r)*S + s from an output's origin.
     */
    record Layout(int[] tap, int paddedH, int rowFloats, int floats) {
        static Layout of(Convolution.Geometry g) {
            int sw = g.spec().strideW(), hp = g.h() + 2 * g.spec().padH(), wp = g.w() + 2 * g.spec().padW();
            int row = Gemm.ceilDiv(wp, sw);
            int[] tap = new int[g.columnRows()];
            for (int c = 0, t = 0; c < g.channelsPerGroup(); c++) {
                for (int r = 0; r < g.r(); r++) {
                    for (int s = 0; s < g.s(); s++) tap[t++] = ((c * sw + s % sw) * hp + r) * row + s / sw;
                }
            }
            // NR floats of slack: a row's last tile reads up to NR - 1 lanes past the output row
            return new Layout(tap, hp, row, g.channelsPerGroup() * sw * hp * row + NR);
        }

        /** The offset in the phase image of output (p, q)'s tap (0, 0, 0). */
        int origin(Convolution.Geometry g, int p, int q) { return p * g.spec().strideH() * rowFloats + q; }
    }

    private float[] image = new float[0], line = new float[0];

    /**
     * Copies group {@code group}'s input planes of one image (at float xOff) into the phase image. Without
     * padding nothing is zeroed: what lies past a row is read only by lanes that are never stored.
     */
    void load(MemorySegment x, long xOff, Convolution.Geometry g, Layout layout) {
        if (image.length < layout.floats()) image = new float[layout.floats()];
        int sw = g.spec().strideW(), padH = g.spec().padH(), padW = g.spec().padW(), hp = layout.paddedH(), row = layout.rowFloats();
        if (padH > 0 || padW > 0) Arrays.fill(image, 0, layout.floats(), 0f);
        if (line.length < g.w()) line = new float[g.w()];
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            for (int h = 0; h < g.h(); h++) {
                long from = (xOff + ((long) c * g.h() + h) * g.w()) * 4;
                if (sw == 1) {
                    MemorySegment.copy(x, FLOAT, from, image, (c * hp + h + padH) * row + padW, g.w());
                    continue;
                }
                MemorySegment.copy(x, FLOAT, from, line, 0, g.w());
                for (int phase = 0; phase < sw; phase++) {
                    // padded column u*sw + phase is input column u*sw + phase - padW
                    int to = ((c * sw + phase) * hp + h + padH) * row, u = Math.max(0, Gemm.ceilDiv(padW - phase, sw));
                    for (int w = u * sw + phase - padW; w < g.w(); w += sw, u++) image[to + u] = line[w];
                }
            }
        }
    }

    /**
     * y rows [p0, p1) of the loaded image's group = filters * input (+ the epilogue), y at float yOff with
     * P*Q floats per filter; {@code tiles} is scratch for two MR x NR tiles. The taps go in depth blocks of
     * {@code depth} (the GEMM's {@link Gemm#depthBlock}), each summed from zero and then added to the running
     * tile, as the GEMM sums them: every lowering gives the same bits.
     */
    void forward(Gemm.PackedA filters, Convolution.Geometry g, Layout layout, int depth, int p0, int p1, MemorySegment y, long yOff,
                 Gemm.Epilogue epilogue, MemorySegment tiles) {
        Matrix out = Matrix.rowMajor(y, yOff, g.outputPixels());
        MemorySegment sum = tiles.asSlice(0, TILE_BYTES), block = tiles.asSlice(TILE_BYTES, TILE_BYTES);
        int taps = g.columnRows();
        for (int p = p0; p < p1; p++) {
            for (int q = 0; q < g.q(); q += NR) {
                int origin = layout.origin(g, p, q), width = Math.min(NR, g.q() - q);
                for (int f = 0; f < filters.rows(); f += MR) {
                    kernel(image, origin, layout.tap(), 0, Math.min(taps, depth), filters.panels(), filters.origin(f, 0), sum);
                    for (int t0 = depth; t0 < taps; t0 += depth) {
                        kernel(image, origin, layout.tap(), t0, Math.min(taps, t0 + depth), filters.panels(), filters.origin(f, t0), block);
                        Loops.add(sum, 0, block, 0, GemmKernels.TILE_FLOATS);
                    }
                    GemmKernels.storeTile(sum, Math.min(MR, filters.rows() - f), width, out, out.at(f, (long) p * g.q() + q), false, epilogue, f);
                }
            }
        }
    }

    /**
     * tile (MR x NR) = sum over taps t in [t0, t1) of filter column t (MR = 8 floats at a[aOrigin + (t - t0)*MR])
     * times the NR inputs image[origin + tap[t] ...]: two vector loads and MR broadcasts per tap.
     */
    private static void kernel(float[] image, int origin, int[] tap, int t0, int t1, MemorySegment a, long aOrigin, MemorySegment tile) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        long at = aOrigin * 4;
        for (int t = t0; t < t1; t++, at += MR * 4L) {
            int from = origin + tap[t];
            FloatVector in0 = FloatVector.fromArray(SPECIES, image, from), in1 = FloatVector.fromArray(SPECIES, image, from + LANES);
            FloatVector w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at));
            c00 = w.fma(in0, c00); c01 = w.fma(in1, c01);
            w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 4));
            c10 = w.fma(in0, c10); c11 = w.fma(in1, c11);
            w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 8));
            c20 = w.fma(in0, c20); c21 = w.fma(in1, c21);
            w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 12));
            c30 = w.fma(in0, c30); c31 = w.fma(in1, c31);
            w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 16));
            c40 = w.fma(in0, c40); c41 = w.fma(in1, c41);
            w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 20));
            c50 = w.fma(in0, c50); c51 = w.fma(in1, c51);
            w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 24));
            c60 = w.fma(in0, c60); c61 = w.fma(in1, c61);
            w = FloatVector.broadcast(SPECIES, a.get(FLOAT, at + 28));
            c70 = w.fma(in0, c70); c71 = w.fma(in1, c71);
        }
        long row = NR * 4L, half = LANES * 4L;
        c00.intoMemorySegment(tile, 0, ORDER); c01.intoMemorySegment(tile, half, ORDER);
        c10.intoMemorySegment(tile, row, ORDER); c11.intoMemorySegment(tile, row + half, ORDER);
        c20.intoMemorySegment(tile, 2 * row, ORDER); c21.intoMemorySegment(tile, 2 * row + half, ORDER);
        c30.intoMemorySegment(tile, 3 * row, ORDER); c31.intoMemorySegment(tile, 3 * row + half, ORDER);
        c40.intoMemorySegment(tile, 4 * row, ORDER); c41.intoMemorySegment(tile, 4 * row + half, ORDER);
        c50.intoMemorySegment(tile, 5 * row, ORDER); c51.intoMemorySegment(tile, 5 * row + half, ORDER);
        c60.intoMemorySegment(tile, 6 * row, ORDER); c61.intoMemorySegment(tile, 6 * row + half, ORDER);
        c70.intoMemorySegment(tile, 7 * row, ORDER); c71.intoMemorySegment(tile, 7 * row + half, ORDER);
    }
}
