package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.PoolSpec;

/**
 * Max pooling and adaptive average pooling, one (image, channel) plane per task. Max pooling copies its
 * planes to the worker's heap {@link Planes} in one bulk copy each and works there with plain array loops
 * (no per-element segment access, which costs several times more): forward takes the vertical maximum of
 * the window's rows into a row buffer, then each window's horizontal maximum from it, a vector of windows at a
 * time for strides 1 and 2; padded cells never win; a window holding a NaN gives NaN. Backward routes each dy to the first maximum in row-major window order
 * (found again from x and y: the first cell equal to y, or the first NaN where y is NaN), summing where windows
 * overlap.
 */
final class Pooling {
    private Pooling() {}

    /** One worker's heap buffers for max pooling, each grown to the largest size asked for. */
    static final class Planes {
        private float[] input = new float[0], output = new float[0], outputGradient = new float[0], inputGradient = new float[0],
                row = new float[0];
        private int[] winners = new int[0], spacing = new int[0];

        float[] input(int n) { return input = atLeast(input, n); }
        float[] output(int n) { return output = atLeast(output, n); }
        float[] outputGradient(int n) { return outputGradient = atLeast(outputGradient, n); }
        float[] inputGradient(int n) { return inputGradient = atLeast(inputGradient, n); }
        float[] row(int n) { return row = atLeast(row, n); }
        int[] winners(int n) { return winners.length >= n ? winners : (winners = new int[n]); }

        /** {0, stride, 2*stride, ...}, one per vector lane (the gather offsets of consecutive windows). */
        int[] spacing(int stride) {
            int lanes = CpuConfig.VECTOR ? VectorLoops.LANES : 1;
            if (spacing.length != lanes || (lanes > 1 && spacing[1] != stride)) {
                spacing = new int[lanes];
                for (int l = 0; l < lanes; l++) spacing[l] = l * stride;
            }
            return spacing;
        }

        private static float[] atLeast(float[] a, int n) { return a.length >= n ? a : new float[n]; }
    }

    private static float[] load(float[] into, MemorySegment s, long off, int n) {
        MemorySegment.copy(s, Loops.FLOAT, off * 4, into, 0, n);
        return into;
    }

    /** y plane of P x Q from x plane of H x W. */
    static void maxForwardPlane(MemorySegment y, long yOff, MemorySegment x, long xOff, int h, int w, int p, int q,
                                PoolSpec spec, Planes b) {
        // slack after each array for the vector path's whole-vector accesses past a row's end (see Loops.rowsMax and
        // stridedWindowMax); what lands there feeds only lanes that are not stored
        int lanes = CpuConfig.VECTOR ? VectorLoops.LANES : 0;
        float[] in = load(b.input(h * w + lanes), x, xOff, h * w);
        float[] out = b.output(p * q + lanes), rowMax = b.row(w + 2 * lanes);
        int stride = spec.strideW(), window = spec.windowW();
        // the windows [inside, end) lie wholly inside a row; those before and after are clipped by padding
        int inside = Math.min(q, (spec.padW() + stride - 1) / stride);
        int end = Math.max(inside, Math.min(q, Math.floorDiv(w + spec.padW() - window, stride) + 1));
        for (int i = 0; i < p; i++) {
            int top = Math.max(0, i * spec.strideH() - spec.padH()), bottom = Math.min(h, i * spec.strideH() - spec.padH() + spec.windowH());
            Loops.rowsMax(rowMax, in, w, top, bottom);
            Loops.stridedWindowMax(out, i * q + inside, rowMax, inside * stride - spec.padW(), stride, window, end - inside);
            for (int j = 0; j < q; j++) {
                if (j >= inside && j < end) continue;
                int start = j * stride - spec.padW(), left = Math.max(0, start), right = Math.min(w, start + window);
                float best = rowMax[left];
                for (int col = left + 1; col < right; col++) best = Math.max(best, rowMax[col]);
                out[i * q + j] = best;
            }
        }
        MemorySegment.copy(out, 0, y, Loops.FLOAT, yOff * 4, p * q);
    }

    static void maxBackwardPlane(MemorySegment dx, long xOff, MemorySegment dy, MemorySegment y, long yOff, MemorySegment x,
                                 int h, int w, int p, int q, PoolSpec spec, Planes b) {
        // slack after the plane: the vector search's masked-off gather lanes still index inside the array
        int slack = spec.windowW() + spec.strideW() * (CpuConfig.VECTOR ? VectorLoops.LANES : 1);
        float[] in = load(b.input(h * w + slack), x, xOff, h * w);
        float[] out = load(b.output(p * q), y, yOff, p * q);
        float[] gradient = load(b.outputGradient(p * q), dy, yOff, p * q);
        float[] sums = b.inputGradient(h * w);
        int[] winners = b.winners(q);
        java.util.Arrays.fill(sums, 0, h * w, 0f);
        int stride = spec.strideW(), window = spec.windowW();
        // the windows [inside, end) lie wholly inside a row; those before and after are clipped by padding
        int inside = Math.min(q, (spec.padW() + stride - 1) / stride), end = Math.max(inside, Math.min(q, (w + spec.padW() - window) / stride + 1));
        for (int i = 0; i < p; i++) {
            int top = Math.max(0, i * spec.strideH() - spec.padH()), bottom = Math.min(h, i * spec.strideH() - spec.padH() + spec.windowH());
            Loops.firstMaxima(winners, inside, in, w, top, bottom, inside * stride - spec.padW(), stride, window, out, i * q, end - inside, b.spacing(stride));
            for (int j = 0; j < q; j++) {
                // windows clipped by padding, and those the vector search left without a match: a NaN maximum
                if (j < inside || j >= end || winners[j] < 0) {
                    int start = j * stride - spec.padW();
                    winners[j] = Loops.firstMaximum(in, w, top, bottom, Math.max(0, start), Math.min(w, start + window), out[i * q + j]);
                }
                if (winners[j] < 0) throw new IllegalStateException("max pool backward: y is not the maximum of its window in x (y and x do not come from one forward)");
                sums[winners[j]] += gradient[i * q + j];
            }
        }
        MemorySegment.copy(sums, 0, dx, Loops.FLOAT, xOff * 4, h * w);
    }

    /** Output cell i of n covers input [floor(i*in/n), ceil((i+1)*in/n)). */
    static int adaptiveStart(int i, int in, int out) { return (int) ((long) i * in / out); }

    static int adaptiveEnd(int i, int in, int out) { return (int) (((long) (i + 1) * in + out - 1) / out); }

    static void averageForwardPlane(MemorySegment y, long yOff, MemorySegment x, long xOff, int h, int w, int p, int q) {
        for (int i = 0; i < p; i++) {
            int top = adaptiveStart(i, h, p), bottom = adaptiveEnd(i, h, p);
            for (int j = 0; j < q; j++) {
                int left = adaptiveStart(j, w, q), right = adaptiveEnd(j, w, q);
                float sum = 0f;
                for (int row = top; row < bottom; row++) sum += Loops.sum(x, xOff + (long) row * w + left, right - left);
                Loops.set(y, yOff + (long) i * q + j, sum / ((bottom - top) * (right - left)));
            }
        }
    }

    static void averageBackwardPlane(MemorySegment dx, long xOff, MemorySegment dy, long yOff, int h, int w, int p, int q) {
        Loops.fill(dx, xOff, (long) h * w, 0f);
        for (int i = 0; i < p; i++) {
            int top = adaptiveStart(i, h, p), bottom = adaptiveEnd(i, h, p);
            for (int j = 0; j < q; j++) {
                int left = adaptiveStart(j, w, q), right = adaptiveEnd(j, w, q);
                float share = Loops.get(dy, yOff + (long) i * q + j) / ((bottom - top) * (right - left));
                for (int row = top; row < bottom; row++) Loops.addScalar(dx, xOff + (long) row * w + left, right - left, share);
            }
        }
    }
}
