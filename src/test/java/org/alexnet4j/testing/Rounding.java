package org.alexnet4j.testing;

import org.alexnet4j.backend.BackendOptions.Precision;

/**
 * The operand formats of the reduced precisions, emulated on the host: a float32 value as the format keeps it.
 * BF16: round to nearest even to 8 significant bits (bfloat16). FP16: IEEE half, round to nearest even with
 * subnormals (Java's Float.floatToFloat16). TF32: 11 significant bits, the low 13 mantissa bits cut off
 * (truncation, the worst a tensor core may do). FP32: unchanged.
 */
public final class Rounding {
    private Rounding() {}

    public static float round(float x, Precision precision) {
        return switch (precision) {
            case FP32 -> x;
            case TF32 -> Float.isFinite(x) ? Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xffffe000) : x;
            case BF16 -> bfloat16(x);
            case FP16 -> Float.float16ToFloat(Float.floatToFloat16(x));
        };
    }

    public static float[] round(float[] x, Precision precision) {
        float[] r = new float[x.length];
        for (int i = 0; i < r.length; i++) r[i] = round(x[i], precision);
        return r;
    }

    /** The nearer of the two bfloat16 neighbours of x, the even one on a tie (NaN and infinities unchanged). */
    static float bfloat16(float x) {
        if (!Float.isFinite(x)) return x;
        int bits = Float.floatToRawIntBits(x);
        float below = Float.intBitsToFloat(bits & 0xffff0000), above = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
        double aboveValue = Float.isInfinite(above) ? Math.copySign(0x1p128, x) : above; // past the largest: rounds like 2^128
        double toBelow = Math.abs((double) x - below), toAbove = Math.abs((double) x - aboveValue);
        return toBelow < toAbove || toBelow == toAbove && ((bits >> 16) & 1) == 0 ? below : above;
    }
}
