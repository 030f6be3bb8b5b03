package org.alexnet4j.data;

/** What is subtracted from (and divides) each base image before it reaches the network. */
public enum Normalization {
    /** The paper: the per-pixel mean image of the training set is subtracted. */
    MEAN_IMAGE,
    /** The training set's per-channel mean is subtracted. */
    CHANNEL_MEAN,
    /** The per-channel mean is subtracted and the result divided by the per-channel standard deviation. */
    CHANNEL_MEAN_STD,
    /** Pixels are passed on as decoded, RGB in [0, 1]. */
    NONE;

    /** The normalization written {@code id} (mean_image, channel_mean, channel_mean_std, none), as on the command line and in files. */
    public static Normalization parse(String id) {
        for (Normalization n : values()) if (n.id().equals(id)) return n;
        throw new IllegalArgumentException("unknown normalization '" + id + "'; known: "
                + java.util.Arrays.stream(values()).map(Normalization::id).collect(java.util.stream.Collectors.joining(", ")));
    }

    /** The name on the command line and in files: the constant in lower case. */
    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }
}
