package org.alexnet4j.tensor;

/**
 * A handle to float32 data: a shape plus a window [offset, offset + size) of a backend's storage.
 * Views share the storage (e.g. one parameter inside the parameter arena); closing a view frees nothing,
 * closing the tensor that allocated the storage frees it. Layout is dense, row-major (NCHW).
 */
public final class Tensor implements AutoCloseable {
    private final Shape shape;
    private final Storage storage;
    private final long offset;
    private final boolean ownsStorage;

    private Tensor(Shape shape, Storage storage, long offset, boolean ownsStorage) {
        if (offset < 0 || offset + shape.size() > storage.floats()) {
            throw new IndexOutOfBoundsException("tensor " + shape + " at offset " + offset
                    + " does not fit in a storage of " + storage.floats() + " floats");
        }
        this.shape = shape;
        this.storage = storage;
        this.offset = offset;
        this.ownsStorage = ownsStorage;
    }

    /** A tensor that owns {@code storage} (called by backends when they allocate). */
    public static Tensor owning(Shape shape, Storage storage) { return new Tensor(shape, storage, 0, true); }

    /** A view of {@code shape} starting {@code offset} floats into this tensor's window. */
    public Tensor view(long offset, Shape shape) {
        if (offset < 0 || offset + shape.size() > size()) {
            throw new IndexOutOfBoundsException("view " + shape + " at offset " + offset + " exceeds tensor " + this.shape);
        }
        return new Tensor(shape, storage, this.offset + offset, false);
    }

    /** The same data seen with another shape of equal size. */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new ShapeException("cannot reshape " + shape + " (" + shape.size() + " elements) to " + newShape);
        }
        return new Tensor(newShape, storage, offset, false);
    }

    public Shape shape() { return shape; }

    public long size() { return shape.size(); }

    public Storage storage() { return storage; }

    /** Offset of element 0 in floats from the start of the storage. */
    public long offset() { return offset; }

    @Override public void close() { if (ownsStorage) storage.close(); }

    @Override public String toString() { return "Tensor" + shape + "@" + storage.backendName(); }
}
