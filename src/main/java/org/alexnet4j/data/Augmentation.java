package org.alexnet4j.data;

/**
 * Training-time augmentation: random crops of the network input size, random left-right mirroring, and
 * PCA lighting with coefficients a_k ~ N(0, lightingStd^2) (0 disables it) along the given components.
 */
public record Augmentation(boolean randomCrop, boolean mirror, double lightingStd, LightingComponents components) {
    /** Where the lighting's eigenvectors and eigenvalues come from. */
    public enum LightingComponents {
        /** Fitted on the training set (saved with the statistics). */
        FITTED,
        /** The published ImageNet values, {@link PcaLighting#IMAGENET}. */
        IMAGENET
    }

    /** The paper's: random crops, mirroring, lighting with sigma 0.1 on the fitted components. */
    public static final Augmentation PAPER = new Augmentation(true, true, 0.1, LightingComponents.FITTED);
    /** No augmentation (centre crop). */
    public static final Augmentation NONE = new Augmentation(false, false, 0, LightingComponents.FITTED);

    public Augmentation {
        if (!(lightingStd >= 0) || Double.isInfinite(lightingStd)) throw new IllegalArgumentException("lighting standard deviation must be finite and >= 0, got " + lightingStd);
        if (components == null) throw new IllegalArgumentException("lighting components must be given");
    }
}
