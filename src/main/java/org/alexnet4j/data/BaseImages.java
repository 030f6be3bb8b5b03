package org.alexnet4j.data;

import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The base images of a dataset: decoded, then made side x side by a {@link Resizing} (the paper's: shorter
 * side resized to {@code side}, central square). Applies the bad-image policy: FAIL rethrows the error naming the file; SKIP
 * counts the image once and uses the next good image (cyclically), label included, so no image is
 * ever paired with another's label. Thread-safe.
 */
public final class BaseImages {
    /** A base image and the dataset index it came from (differs from the one asked for when skipped). */
    public record Prepared(int index, RgbImage image) {}

    private final Dataset dataset;
    private final int side, inputSize;
    private final Resizing resizing;
    private final BadImagePolicy policy;
    private final DataProblems problems;
    private final Set<Integer> bad = ConcurrentHashMap.newKeySet();
    private final BitSet upscaled = new BitSet();

    /** The paper's base images ({@link Resizing#PAPER}). */
    public BaseImages(Dataset dataset, int side, BadImagePolicy policy, DataProblems problems) {
        this(dataset, side, side, Resizing.PAPER, policy, problems);
    }

    /** Base images for network inputs of {@code inputSize} (where the resizing centres its crop). */
    public BaseImages(Dataset dataset, int side, int inputSize, Resizing resizing, BadImagePolicy policy, DataProblems problems) {
        if (side <= 0) throw new IllegalArgumentException("base image side must be positive, got " + side);
        this.dataset = dataset;
        this.side = side;
        this.inputSize = inputSize;
        this.resizing = resizing;
        this.policy = policy;
        this.problems = problems;
    }

    public Dataset dataset() { return dataset; }

    public int side() { return side; }

    public DataProblems problems() { return problems; }

    public Prepared get(int index) {
        int n = dataset.size();
        for (int tries = 0; tries < n; tries++) {
            int candidate = (index + tries) % n;
            if (bad.contains(candidate)) continue;
            try {
                return new Prepared(candidate, prepare(candidate));
            } catch (DataException e) {
                if (policy == BadImagePolicy.FAIL) throw e.remedy() == null ? new DataException(e.getMessage(), DataException.Remedy.SKIP_BAD_IMAGES) : e;
                if (bad.add(candidate)) problems.skipped(e.getMessage());
            }
        }
        throw new DataException("no usable image in " + n + " images, starting at " + dataset.describe(index) + "; first problems:\n  " + String.join("\n  ", problems.messages()));
    }

    private RgbImage prepare(int index) {
        RgbImage image = dataset.image(index);
        if (Math.min(image.height(), image.width()) < side) {
            boolean first;
            synchronized (upscaled) {
                first = !upscaled.get(index);
                upscaled.set(index);
            }
            if (first) problems.upscaled();
        }
        return resizing.base(image, side, inputSize);
    }
}
