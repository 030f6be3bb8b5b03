package org.alexnet4j.tensor;

import java.util.Arrays;

/** An immutable tensor shape, outermost dimension first (NCHW for images, (N, features) for FC). */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        for (int d : dims) {
            if (d <= 0) throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": every dimension must be positive");
        }
        this.dims = dims;
    }

    public static Shape of(int... dims) {
        if (dims.length == 0) throw new IllegalArgumentException("a shape needs at least one dimension");
        return new Shape(dims.clone());
    }

    public int rank() { return dims.length; }

    public int dim(int axis) { return dims[axis]; }

    public int[] dims() { return dims.clone(); }

    /** Number of elements; shapes beyond 2^31 elements are rejected (one tensor indexes with long, but arrays do not). */
    public long size() {
        long n = 1;
        for (int d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Elements per item of the outermost dimension (C*H*W for NCHW). */
    public long itemSize() { return size() / dims[0]; }

    /** The same shape with the outermost (batch) dimension replaced. */
    public Shape withBatch(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    /** Throws unless this shape has the given rank; {@code what} names the tensor in the message. */
    public Shape requireRank(int rank, String what) {
        if (dims.length != rank) throw new ShapeException(what + ": expected rank " + rank + ", got " + this);
        return this;
    }

    /** Throws unless this shape equals {@code expected}; {@code what} names the tensor in the message. */
    public Shape require(Shape expected, String what) {
        if (!equals(expected)) throw new ShapeException(what + ": expected shape " + expected + ", got " + this);
        return this;
    }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) b.append(i == 0 ? "" : ", ").append(dims[i]);
        return b.append(')').toString();
    }
}
