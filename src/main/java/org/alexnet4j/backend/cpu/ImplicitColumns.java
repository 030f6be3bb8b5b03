package org.alexnet4j.backend.cpu;

import static org.alexnet4j.backend.cpu.VectorLoops.LANES;
import static org.alexnet4j.backend.cpu.VectorLoops.ORDER;
import static org.alexnet4j.backend.cpu.VectorLoops.SPECIES;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The im2col matrix of one image and group, never written out (implicit GEMM): the group's input planes
 * are copied once into a zero-padded heap image, and each GEMM panel is gathered from it with vector
 * gathers. Entry (row, column) of the matrix, row = (c*R + r)*S + s and column = p*Q + q, is
 * image[rowOffset[row] + pixelOffset[column]] with rowOffset = (c*Hp + r)*Wp + s and
 * pixelOffset = p*strideH*Wp + q*strideW over the padded Hp x Wp planes, so no index needs a bounds test.
 * One instance per worker; loaded only when {@link CpuConfig#VECTOR}.
 */
final class ImplicitColumns {
    /** The offsets of one geometry, each array padded with zeros to whole NR panels (gathered, never stored). */
    record Offsets(int[] row, int[] pixel, int paddedH, int paddedW) {
        static Offsets of(Convolution.Geometry g) {
            int hp = g.h() + 2 * g.spec().padH(), wp = g.w() + 2 * g.spec().padW(), nr = GemmKernels.NR;
            int[] row = new int[Gemm.ceilDiv(g.columnRows(), nr) * nr], pixel = new int[Gemm.ceilDiv(g.outputPixels(), nr) * nr];
            for (int c = 0, i = 0; c < g.channelsPerGroup(); c++) {
                for (int r = 0; r < g.r(); r++) {
                    for (int s = 0; s < g.s(); s++) row[i++] = (c * hp + r) * wp + s;
                }
            }
            for (int p = 0, j = 0; p < g.p(); p++) {
                for (int q = 0; q < g.q(); q++) pixel[j++] = p * g.spec().strideH() * wp + q * g.spec().strideW();
            }
            return new Offsets(row, pixel, hp, wp);
        }
    }

    private float[] image = new float[0];

    /** Copies channels [first, first + C/groups) of image {@code xOff} into the padded heap image. */
    void load(MemorySegment x, long xOff, Convolution.Geometry g, Offsets o) {
        int hp = o.paddedH(), wp = o.paddedW(), padH = g.spec().padH(), padW = g.spec().padW(), planes = g.channelsPerGroup();
        int floats = planes * hp * wp;
        if (image.length < floats) image = new float[floats];
        if (padH == 0 && padW == 0) {
            MemorySegment.copy(x, Loops.FLOAT, xOff * 4, image, 0, floats);
            return;
        }
        Arrays.fill(image, 0, floats, 0f); // the border; the interior is overwritten below
        for (int c = 0; c < planes; c++) {
            for (int h = 0; h < g.h(); h++) {
                MemorySegment.copy(x, Loops.FLOAT, (xOff + ((long) c * g.h() + h) * g.w()) * 4, image, (c * hp + h + padH) * wp + padW, g.w());
            }
        }
    }

    /** B = the column matrix (C/groups*R*S x P*Q), as the forward product w * columns reads it. */
    Gemm.PanelSource columns(Offsets o) { return (pc, kc, jc, nc, packed) -> gather(o.row(), pc, kc, o.pixel(), jc, nc, packed); }

    /** B = the column matrix transposed (P*Q x C/groups*R*S), as the filter gradient dy * columns^T reads it. */
    Gemm.PanelSource transposed(Offsets o) { return (pc, kc, jc, nc, packed) -> gather(o.pixel(), pc, kc, o.row(), jc, nc, packed); }

    /**
     * packed panel jr, row k = image[rows[pc + k] + columns[jc + jr + lane]] for the NR lanes: two gathers
     * per row. Columns past nc read offset 0's neighbours (valid, unused by the kernel).
     */
    private void gather(int[] rows, int pc, int kc, int[] columns, int jc, int nc, MemorySegment packed) {
        float[] source = image;
        long rowBytes = GemmKernels.NR * 4L, vectorBytes = LANES * 4L;
        for (int jr = 0; jr < nc; jr += GemmKernels.NR) {
            long dst = (long) jr * kc * 4;
            int map = jc + jr;
            for (int k = pc; k < pc + kc; k++, dst += rowBytes) {
                int offset = rows[k];
                FloatVector.fromArray(SPECIES, source, offset, columns, map).intoMemorySegment(packed, dst, ORDER);
                FloatVector.fromArray(SPECIES, source, offset, columns, map + LANES).intoMemorySegment(packed, dst + vectorBytes, ORDER);
            }
        }
    }
}
