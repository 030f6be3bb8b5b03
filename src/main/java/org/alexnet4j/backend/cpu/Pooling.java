package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.PoolSpec;

/**
 * Max pooling and adaptive average pooling, one (image, channel) plane per task. Max pool forward
 * takes the vertical maximum of the window's rows with vector loads into a row buffer, then the
 * horizontal maximum of each window from it; padded cells never win. Backward routes each dy to the
 * first maximum in row-major window order (found again from x and y), summing where windows overlap.
 */
final class Pooling {
    private Pooling() {}

    /** y plane of P x Q from x plane of H x W; rowMax has at least W floats. */
    static void maxForwardPlane(MemorySegment y, long yOff, MemorySegment x, long xOff, int h, int w, int p, int q,
                                PoolSpec spec, MemorySegment rowMax) {
        for (int i = 0; i < p; i++) {
            int top = Math.max(0, i * spec.strideH() - spec.padH()), bottom = Math.min(h, i * spec.strideH() - spec.padH() + spec.windowH());
            Loops.copy(rowMax, 0, x, xOff + (long) top * w, w);
            for (int row = top + 1; row < bottom; row++) Loops.maxInto(rowMax, 0, x, xOff + (long) row * w, w);
            for (int j = 0; j < q; j++) {
                int left = Math.max(0, j * spec.strideW() - spec.padW()), right = Math.min(w, j * spec.strideW() - spec.padW() + spec.windowW());
                float best = Loops.get(rowMax, left);
                for (int col = left + 1; col < right; col++) best = Math.max(best, Loops.get(rowMax, col));
                Loops.set(y, yOff + (long) i * q + j, best);
            }
        }
    }

    static void maxBackwardPlane(MemorySegment dx, long xOff, MemorySegment dy, MemorySegment y, long yOff, MemorySegment x,
                                 int h, int w, int p, int q, PoolSpec spec) {
        Loops.fill(dx, xOff, (long) h * w, 0f);
        for (int i = 0; i < p; i++) {
            int top = Math.max(0, i * spec.strideH() - spec.padH()), bottom = Math.min(h, i * spec.strideH() - spec.padH() + spec.windowH());
            for (int j = 0; j < q; j++) {
                int left = Math.max(0, j * spec.strideW() - spec.padW()), right = Math.min(w, j * spec.strideW() - spec.padW() + spec.windowW());
                long out = yOff + (long) i * q + j;
                long at = argmax(x, xOff, w, top, bottom, left, right, Loops.get(y, out));
                Loops.set(dx, at, Loops.get(dx, at) + Loops.get(dy, out));
            }
        }
    }

    /** The index of the first cell of the window holding {@code max} (the window's maximum, from forward). */
    private static long argmax(MemorySegment x, long xOff, int w, int top, int bottom, int left, int right, float max) {
        for (int row = top; row < bottom; row++) {
            long at = xOff + (long) row * w;
            for (int col = left; col < right; col++) {
                if (Loops.get(x, at + col) == max) return at + col;
            }
        }
        throw new IllegalStateException("max pool backward: y is not the maximum of its window in x (y and x do not come from one forward)");
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
