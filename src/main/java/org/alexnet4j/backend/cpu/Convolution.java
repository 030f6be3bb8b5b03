package org.alexnet4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import org.alexnet4j.backend.ConvSpec;
import org.alexnet4j.tensor.Shape;

/**
 * Convolution forward, backward-data and backward-filter as im2col + GEMM per image and group:
 * columns (C/groups*R*S x P*Q) are built in the worker's scratch, then
 * forward y_g = w_g * columns, backward-data columns = w_g^T * dy_g then col2im, backward-filter
 * dw_g += dy_g * columns^T (the transposes read through strides; columns^T is gathered when B is packed). Work is split over images when the batch covers the workers (each GEMM
 * serial, backward-filter summing per-worker accumulators at the end), else inside each GEMM.
 */
final class Convolution {
    /** Backward-filter blocks per worker: more balance the load, each costs one filter-sized accumulator. */
    private static final int BLOCKS_PER_WORKER = 4;

    private final WorkerPool pool;
    private final Scratch[] scratch;

    Convolution(WorkerPool pool, Scratch[] scratch) {
        this.pool = pool;
        this.scratch = scratch;
    }

    /** The sizes of one convolution; per-group sizes are derived. */
    record Geometry(int n, int c, int h, int w, int k, int r, int s, int p, int q, ConvSpec spec) {
        static Geometry of(Shape x, Shape w, ConvSpec spec) {
            Shape y = spec.outputShape(x, w);
            return new Geometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), y.dim(2), y.dim(3), spec);
        }
        int groups() { return spec.groups(); }
        int channelsPerGroup() { return c / spec.groups(); }
        int filtersPerGroup() { return k / spec.groups(); }
        /** Rows of the column matrix: C/groups * R * S. */
        int columnRows() { return channelsPerGroup() * r * s; }
        int outputPixels() { return p * q; }
        long columnFloats() { return (long) columnRows() * outputPixels(); }
        /** Float index of the first input channel of group g in image n. */
        long inputOffset(int image, int g) { return ((long) image * c + (long) g * channelsPerGroup()) * h * w; }
        /** Float index of the first output channel of group g in image n. */
        long outputOffset(int image, int g) { return ((long) image * k + (long) g * filtersPerGroup()) * p * q; }
        /** Float index of group g's first filter. */
        long filterOffset(int g) { return (long) g * filtersPerGroup() * columnRows(); }
    }

    private boolean overImages(Geometry g) { return pool.size() > 1 && g.n() >= pool.size(); }

    void forward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment bias, Geometry g) {
        if (overImages(g)) {
            pool.forEach(g.n(), (worker, image) -> forwardImage(null, worker, y, x, w, bias, g, image));
        } else {
            for (int image = 0; image < g.n(); image++) forwardImage(pool, 0, y, x, w, bias, g, image);
        }
    }

    private void forwardImage(WorkerPool gemmPool, int worker, MemorySegment y, MemorySegment x, MemorySegment w,
                              MemorySegment bias, Geometry g, int image) {
        MemorySegment columns = scratch[worker].get(Scratch.Role.COLUMNS, g.columnFloats());
        int pq = g.outputPixels(), crs = g.columnRows(), kg = g.filtersPerGroup();
        for (int group = 0; group < g.groups(); group++) {
            im2col(columns, x, g.inputOffset(image, group), g);
            long out = g.outputOffset(image, group);
            Gemm.multiply(gemmPool, scratch, worker, kg, pq, crs, Matrix.rowMajor(w, g.filterOffset(group), crs),
                    Matrix.rowMajor(columns, 0, pq), Matrix.rowMajor(y, out, pq), false);
            if (bias != null) {
                for (int f = 0; f < kg; f++) Loops.addScalar(y, out + (long) f * pq, pq, Loops.get(bias, (long) group * kg + f));
            }
        }
    }

    void backwardData(MemorySegment dx, MemorySegment dy, MemorySegment w, Geometry g) {
        if (overImages(g)) {
            pool.forEach(g.n(), (worker, image) -> backwardDataImage(null, worker, dx, dy, w, g, image));
        } else {
            for (int image = 0; image < g.n(); image++) backwardDataImage(pool, 0, dx, dy, w, g, image);
        }
    }

    private void backwardDataImage(WorkerPool gemmPool, int worker, MemorySegment dx, MemorySegment dy, MemorySegment w,
                                   Geometry g, int image) {
        MemorySegment columns = scratch[worker].get(Scratch.Role.COLUMNS, g.columnFloats());
        int pq = g.outputPixels(), crs = g.columnRows(), kg = g.filtersPerGroup();
        for (int group = 0; group < g.groups(); group++) {
            Gemm.multiply(gemmPool, scratch, worker, crs, pq, kg, Matrix.rowMajor(w, g.filterOffset(group), crs).transposed(),
                    Matrix.rowMajor(dy, g.outputOffset(image, group), pq), Matrix.rowMajor(columns, 0, pq), false);
            long in = g.inputOffset(image, group);
            Loops.fill(dx, in, (long) g.channelsPerGroup() * g.h() * g.w(), 0f);
            col2im(dx, in, columns, g);
        }
    }

    /** dw += gradient over the whole batch. */
    void backwardFilter(MemorySegment dw, MemorySegment dy, MemorySegment x, Geometry g) {
        long filterFloats = (long) g.k() * g.columnRows();
        if (!overImages(g)) {
            for (int image = 0; image < g.n(); image++) backwardFilterImage(pool, 0, dw, dy, x, g, image);
            return;
        }
        // Block b always sums the same images into accumulator b, whichever worker runs it, and the
        // accumulators are added in block order: the result does not depend on scheduling. Several blocks
        // per worker keep the dynamic load balance; their accumulators are slices of the workers' scratch.
        int workers = scratch.length, n = g.n(), blocks = Math.min(n, BLOCKS_PER_WORKER * workers);
        int blocksPerWorker = (blocks + workers - 1) / workers;
        MemorySegment[] accumulators = new MemorySegment[blocks];
        for (int b = 0; b < blocks; b++) {
            MemorySegment region = scratch[b % workers].get(Scratch.Role.ACCUMULATOR, blocksPerWorker * filterFloats);
            accumulators[b] = region.asSlice((b / workers) * filterFloats * Float.BYTES, filterFloats * Float.BYTES);
            Loops.fill(accumulators[b], 0, filterFloats, 0f);
        }
        pool.forEach(blocks, (worker, block) -> {
            for (int image = block * n / blocks; image < (block + 1) * n / blocks; image++) {
                backwardFilterImage(null, worker, accumulators[block], dy, x, g, image);
            }
        });
        int chunks = pool.size() * 4;
        long chunk = (filterFloats + chunks - 1) / chunks;
        pool.forEach(chunks, (worker, t) -> {
            long from = t * chunk, length = Math.min(filterFloats, from + chunk) - from;
            for (MemorySegment accumulator : accumulators) {
                if (length > 0) Loops.add(dw, from, accumulator, from, length);
            }
        });
    }

    private void backwardFilterImage(WorkerPool gemmPool, int worker, MemorySegment dw, MemorySegment dy, MemorySegment x,
                                     Geometry g, int image) {
        MemorySegment columns = scratch[worker].get(Scratch.Role.COLUMNS, g.columnFloats());
        int pq = g.outputPixels(), crs = g.columnRows(), kg = g.filtersPerGroup();
        for (int group = 0; group < g.groups(); group++) {
            im2col(columns, x, g.inputOffset(image, group), g);
            Gemm.multiply(gemmPool, scratch, worker, kg, crs, pq, Matrix.rowMajor(dy, g.outputOffset(image, group), pq),
                    Matrix.rowMajor(columns, 0, pq).transposed(), Matrix.rowMajor(dw, g.filterOffset(group), crs), true);
        }
    }

    /** The output columns [first, end) whose input column q*strideW + s - padW lies inside [0, W). */
    private static int firstColumn(int s, Geometry g) {
        int shift = g.spec().padW() - s, stride = g.spec().strideW();
        return Math.min(g.q(), shift <= 0 ? 0 : (shift + stride - 1) / stride);
    }

    private static int endColumn(int s, Geometry g) {
        int last = g.w() - 1 + g.spec().padW() - s;
        return last < 0 ? 0 : Math.min(g.q(), last / g.spec().strideW() + 1);
    }

    /** columns[(c*R + r)*S + s][p*Q + q] = x[c][p*strideH + r - padH][q*strideW + s - padW], zero outside the image. */
    static void im2col(MemorySegment columns, MemorySegment x, long xOff, Geometry g) {
        if (g.spec().strideW() == 1) im2colContiguous(columns, x, xOff, g);
        else im2colStrided(columns, x, xOff, g);
    }

    /** Stride 1 along W: every output row is one contiguous run of an input row, copied with vectors. */
    private static void im2colContiguous(MemorySegment columns, MemorySegment x, long xOff, Geometry g) {
        ConvSpec spec = g.spec();
        int q = g.q();
        long row = 0;
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row++) {
                    int first = firstColumn(s, g), end = Math.max(first, endColumn(s, g));
                    for (int p = 0; p < g.p(); p++) {
                        long dst = (row * g.p() + p) * q;
                        int h = p * spec.strideH() + r - spec.padH();
                        if (h < 0 || h >= g.h() || first == end) {
                            Loops.fill(columns, dst, q, 0f);
                            continue;
                        }
                        for (int j = 0; j < first; j++) Loops.set(columns, dst + j, 0f);
                        for (int j = end; j < q; j++) Loops.set(columns, dst + j, 0f);
                        Loops.copy(columns, dst + first, x, xOff + ((long) c * g.h() + h) * g.w() + first + s - spec.padW(), end - first);
                    }
                }
            }
        }
    }

    /**
     * Stride > 1 along W (conv1): each input row is read once into a heap row, the S output rows it feeds
     * are gathered from it there and written back as runs (element-wise segment access costs ~3x more).
     */
    private static void im2colStrided(MemorySegment columns, MemorySegment x, long xOff, Geometry g) {
        ConvSpec spec = g.spec();
        int q = g.q(), strideW = spec.strideW();
        float[] in = new float[g.w()], out = new float[q];
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int p = 0; p < g.p(); p++) {
                    int h = p * spec.strideH() + r - spec.padH();
                    boolean inside = h >= 0 && h < g.h();
                    if (inside) MemorySegment.copy(x, Loops.FLOAT, (xOff + ((long) c * g.h() + h) * g.w()) * 4, in, 0, g.w());
                    for (int s = 0; s < g.s(); s++) {
                        long dst = ((((long) c * g.r() + r) * g.s() + s) * g.p() + p) * q;
                        int first = firstColumn(s, g), end = Math.max(first, endColumn(s, g));
                        java.util.Arrays.fill(out, 0f);
                        if (inside) {
                            for (int j = first, w = first * strideW + s - spec.padW(); j < end; j++, w += strideW) out[j] = in[w];
                        }
                        MemorySegment.copy(out, 0, columns, Loops.FLOAT, dst * 4, q);
                    }
                }
            }
        }
    }

    /** The adjoint of im2col: dx[c][h][w] += every column entry that im2col read from (c, h, w). */
    static void col2im(MemorySegment dx, long dxOff, MemorySegment columns, Geometry g) {
        ConvSpec spec = g.spec();
        int q = g.q(), strideW = spec.strideW();
        long row = 0;
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            for (int r = 0; r < g.r(); r++) {
                for (int s = 0; s < g.s(); s++, row++) {
                    int first = firstColumn(s, g), end = endColumn(s, g);
                    if (first >= end) continue;
                    for (int p = 0; p < g.p(); p++) {
                        int h = p * spec.strideH() + r - spec.padH();
                        if (h < 0 || h >= g.h()) continue;
                        long src = (row * g.p() + p) * q + first;
                        long dst = dxOff + ((long) c * g.h() + h) * g.w() + (long) first * strideW + s - spec.padW();
                        if (strideW == 1) {
                            Loops.add(dx, dst, columns, src, end - first);
                        } else {
                            for (int j = first; j < end; j++, src++, dst += strideW) Loops.set(dx, dst, Loops.get(dx, dst) + Loops.get(columns, src));
                        }
                    }
                }
            }
        }
    }
}
