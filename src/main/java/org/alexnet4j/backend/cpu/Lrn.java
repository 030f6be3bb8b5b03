package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.LrnSpec;

/**
 * Local response normalization across channels (cuDNN convention, see {@link LrnSpec}), one output
 * plane per call, vectorized over the H*W positions. Memory-bound: forward reads x (the window's planes
 * hit cache) and writes y and scale, 12 bytes per element; backward reads dy, y, scale, x and writes
 * the ratio plane t and dx.
 */
final class Lrn {
    private Lrn() {}

    private static final boolean VECTOR = CpuConfig.VECTOR;

    /** Channel plane c of one image: planes [first, first + count) form its window. */
    private static int windowFirst(int c, LrnSpec spec) { return Math.max(0, c - spec.size() / 2); }

    private static int windowEnd(int c, int channels, LrnSpec spec) { return Math.min(channels, c + spec.size() / 2 + 1); }

    /** Forward of channel c of the image at imageOff (C planes of hw floats). */
    static void forwardPlane(MemorySegment y, MemorySegment scale, MemorySegment x, long imageOff, int c, int channels, long hw, LrnSpec spec) {
        int first = windowFirst(c, spec), planes = windowEnd(c, channels, spec) - first;
        float k = (float) spec.k(), alphaOverN = (float) (spec.alpha() / spec.size()), beta = (float) spec.beta();
        long out = imageOff + c * hw, window = imageOff + first * hw;
        long i = VECTOR ? VectorLoops.lrnForward(y, scale, x, out, window, planes, hw, hw, k, alphaOverN, beta) : 0;
        for (; i < hw; i++) {
            float sum = 0f;
            for (int j = 0; j < planes; j++) {
                float v = Loops.get(x, window + j * hw + i);
                sum += v * v;
            }
            float s = k + alphaOverN * sum;
            Loops.set(scale, out + i, s);
            Loops.set(y, out + i, Loops.get(x, out + i) / (float) Math.pow(s, beta));
        }
    }

    /** t = dy*y/scale over the n floats of one image from off (into t from 0), the quantity each output sends back through its window. */
    static void ratio(MemorySegment t, MemorySegment dy, MemorySegment y, MemorySegment scale, long off, long n) {
        long i = VECTOR ? VectorLoops.lrnRatio(t, dy, y, scale, off, n) : 0;
        for (; i < n; i++) Loops.set(t, i, Loops.get(dy, off + i) * Loops.get(y, off + i) / Loops.get(scale, off + i));
    }

    /**
     * dx plane c = dy/scale^beta - 2*alpha/n*beta * x * sum over the window of t; the window is symmetric, so
     * the outputs whose window holds c are c's own window. t holds the image's ratio planes at 0.
     */
    static void backwardPlane(MemorySegment dx, MemorySegment dy, MemorySegment scale, MemorySegment x, MemorySegment t,
                              long imageOff, int c, int channels, long hw, LrnSpec spec) {
        int first = windowFirst(c, spec), planes = windowEnd(c, channels, spec) - first;
        float beta = (float) spec.beta(), coefficient = (float) (2 * spec.alpha() / spec.size() * spec.beta());
        long off = imageOff + c * hw, window = first * hw;
        long i = VECTOR ? VectorLoops.lrnBackward(dx, dy, scale, x, t, off, window, planes, hw, hw, beta, coefficient) : 0;
        for (; i < hw; i++) {
            float sum = 0f;
            for (int j = 0; j < planes; j++) sum += Loops.get(t, window + j * hw + i);
            float direct = Loops.get(dy, off + i) / (float) Math.pow(Loops.get(scale, off + i), beta);
            Loops.set(dx, off + i, direct - coefficient * Loops.get(x, off + i) * sum);
        }
    }
}
