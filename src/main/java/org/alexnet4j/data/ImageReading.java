// How image files are read: what an unusable one does, and how many pixels one may have.
package org.alexnet4j.data;

/** The bad-image policy and the pixel limit of {@link ImageDecoder}, as one setting of whatever reads an image folder. */
public record ImageReading(BadImagePolicy policy, long maxPixels) {
    /** Fail on an unusable image; at most {@link ImageDecoder#DEFAULT_MAX_PIXELS} pixels. */
    public static final ImageReading DEFAULT = new ImageReading(BadImagePolicy.FAIL, ImageDecoder.DEFAULT_MAX_PIXELS);

    public ImageReading {
        if (policy == null) throw new IllegalArgumentException("a bad-image policy is needed");
        if (maxPixels < 1) throw new IllegalArgumentException("the pixel limit must be >= 1, got " + maxPixels);
    }
}
