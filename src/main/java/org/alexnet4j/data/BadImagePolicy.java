package org.alexnet4j.data;

/** What to do with an unusable image or file: stop with its name, or skip it and count it. */
public enum BadImagePolicy {
    /** Throw a {@link DataException} naming the file. */
    FAIL,
    /** Leave it out (or, inside an epoch, use the next good image with that image's own label) and count it. */
    SKIP
}
