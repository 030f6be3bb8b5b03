package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.ConvSpec;

/**
 * A stride-s convolution as a stride-1 one over the s x s phases of its input (polyphase decomposition):
 * with r = a*s + i and c = b*s + j, y[k][p][q] = sum over channels, phases (i, j) and taps (a, b) of
 * w[k][c][a*s+i][b*s+j] x_pad[c][(p+a)*s+i][(q+b)*s+j], a stride-1 correlation of the phase images
 * x_ij[c][u][v] = x_pad[c][u*s+i][v*s+j] (channel (c*s + i)*s + j, zero-padded input) with the phase filters
 * w_ij[k][c][a][b] = w[k][c][a*s+i][b*s+j] (zero past the filter), ceil(R/s) taps a side. conv1 (11x11, stride 4)
 * becomes a 3x3 convolution of 48 channels over 57x57 phase images, which Winograd runs with a quarter of the
 * multiplications of the direct form's; the phase filters' extra zeros (12x12 against 11x11) cost a fifth back.
 * The filter gradient is the phase problem's, each phase tap added back at the filter tap it came from (each
 * filter tap has exactly one).
 */
final class PhaseSplit {
    private PhaseSplit() {}

    /** The stride-1 geometry of g's phases: channels C*s*s, ceil(R/s) taps, the same output; null where g has stride 1 or differs by direction. */
    static Convolution.Geometry phased(Convolution.Geometry g) {
        ConvSpec spec = g.spec();
        int s = spec.strideH();
        if (s < 2 || spec.strideW() != s || spec.padH() != spec.padW() || g.r() != g.s()) return null;
        int taps = Gemm.ceilDiv(g.r(), s);
        long channels = (long) g.c() * s * s;
        if (channels > Integer.MAX_VALUE / 4) return null;
        return new Convolution.Geometry(g.n(), (int) channels, g.p() + taps - 1, g.q() + taps - 1, g.k(), taps, taps, g.p(), g.q(),
                ConvSpec.of(1, 0, spec.groups()));
    }

    /**
     * xp (phased's input, N x C*s*s x H' x W') = the phase images of x. A task per image, channel and row phase i
     * writes that row phase's s column phases: each input row it takes is copied once into a zero-padded row, whose
     * every s-th cell from j is the phase row (with vectors, gathered a vector at a time).
     */
    static void splitInput(WorkerPool pool, MemorySegment xp, MemorySegment x, Convolution.Geometry g, Convolution.Geometry phased) {
        int s = g.spec().strideH(), pad = g.spec().padH(), hp = phased.h(), wp = phased.w();
        // columns of x that some phase row takes: padded cells [pad, pad + columns) of the wp * s a row spans
        int columns = Math.max(0, Math.min(g.w(), wp * s - pad));
        int[] every = CpuConfig.VECTOR ? VectorLoops.multiples(s) : null;
        pool.forEach(g.n() * g.c() * s, (worker, task) -> {
            int i = task % s, c = task / s % g.c(), image = task / s / g.c();
            // with vectors, the slack gatherEvery needs past the row
            float[] padded = new float[wp * s + (every == null ? 0 : every.length * s)], line = every == null ? new float[wp] : null;
            for (int u = 0; u < hp; u++) {
                int h = u * s + i - pad;
                boolean inside = h >= 0 && h < g.h();
                if (inside) MemorySegment.copy(x, Loops.FLOAT, ((((long) image * g.c() + c) * g.h() + h) * g.w()) * Float.BYTES, padded, pad, columns);
                for (int j = 0; j < s; j++) {
                    long plane = (long) image * phased.c() + ((long) c * s + i) * s + j, at = (plane * hp + u) * wp * Float.BYTES;
                    if (!inside) {
                        xp.asSlice(at, (long) wp * Float.BYTES).fill((byte) 0);
                        continue;
                    }
                    if (every != null) {
                        VectorLoops.gatherEvery(padded, j, every, xp, at, wp);
                        continue;
                    }
                    for (int v = 0; v < wp; v++) line[v] = padded[v * s + j];
                    MemorySegment.copy(line, 0, xp, Loops.FLOAT, at, wp);
                }
            }
        });
    }

    /** dw (K x C/groups x R x R) += the filter gradient dwp of the phase problem, each phase tap back at its tap of the filter. */
    static void foldFilterGradient(MemorySegment dw, MemorySegment dwp, Convolution.Geometry g, Convolution.Geometry phased) {
        int s = g.spec().strideH(), r = g.r(), taps = phased.r(), cg = g.channelsPerGroup();
        float[] to = new float[r * r], from = new float[taps * taps];
        for (int k = 0; k < g.k(); k++) {
            for (int c = 0; c < cg; c++) {
                long at = (((long) k * cg + c) * r * r) * Float.BYTES;
                MemorySegment.copy(dw, Loops.FLOAT, at, to, 0, r * r);
                for (int i = 0; i < s; i++) {
                    for (int j = 0; j < s; j++) {
                        long filter = (long) k * phased.channelsPerGroup() + ((long) c * s + i) * s + j;
                        MemorySegment.copy(dwp, Loops.FLOAT, filter * taps * taps * Float.BYTES, from, 0, taps * taps);
                        for (int a = 0; a < taps && a * s + i < r; a++) {
                            for (int b = 0; b < taps && b * s + j < r; b++) to[(a * s + i) * r + b * s + j] += from[a * taps + b];
                        }
                    }
                }
                MemorySegment.copy(to, 0, dw, Loops.FLOAT, at, r * r);
            }
        }
    }

    /** wp (K x C/groups*s*s x R' x R') = the phase filters of w (K x C/groups x R x R), zero past the filter's edge. */
    static void splitFilters(MemorySegment wp, MemorySegment w, Convolution.Geometry g, Convolution.Geometry phased) {
        int s = g.spec().strideH(), r = g.r(), taps = phased.r(), cg = g.channelsPerGroup();
        float[] from = new float[r * r], to = new float[taps * taps];
        for (int k = 0; k < g.k(); k++) {
            for (int c = 0; c < cg; c++) {
                MemorySegment.copy(w, Loops.FLOAT, (((long) k * cg + c) * r * r) * Float.BYTES, from, 0, r * r);
                for (int i = 0; i < s; i++) {
                    for (int j = 0; j < s; j++) {
                        for (int a = 0; a < taps; a++) {
                            for (int b = 0; b < taps; b++) to[a * taps + b] = a * s + i < r && b * s + j < r ? from[(a * s + i) * r + b * s + j] : 0f;
                        }
                        long filter = (long) k * phased.channelsPerGroup() + ((long) c * s + i) * s + j;
                        MemorySegment.copy(to, 0, wp, Loops.FLOAT, filter * taps * taps * Float.BYTES, taps * taps);
                    }
                }
            }
        }
    }
}
