package org.alexnet4j.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The images of {@code parent} at {@code indices}, in that order (e.g. one side of a train/validation split). */
public final class Subset implements Dataset {
    private final Dataset parent;
    private final int[] indices;
    private final String name;

    public Subset(Dataset parent, int[] indices, String name) {
        for (int i : indices) {
            if (i < 0 || i >= parent.size()) throw new IndexOutOfBoundsException("subset '" + name + "' index " + i + " is not in 0.." + (parent.size() - 1));
        }
        if (indices.length == 0) throw new DataException("subset '" + name + "' of " + parent.fingerprint() + " is empty");
        this.parent = parent;
        this.indices = indices.clone();
        this.name = name;
    }

    @Override public int size() { return indices.length; }

    @Override public int label(int index) { return parent.label(indices[index]); }

    @Override public List<String> classNames() { return parent.classNames(); }

    @Override public RgbImage image(int index) { return parent.image(indices[index]); }

    @Override public String describe(int index) { return parent.describe(indices[index]); }

    @Override public String fingerprint() { return parent.fingerprint() + "|" + name + ":" + Integer.toHexString(Arrays.hashCode(indices)) + ":" + indices.length; }

    @Override public Optional<Path> cacheDirectory() { return parent.cacheDirectory(); }

    @Override public DataProblems problems() { return parent.problems(); }
}
