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
    NONE
}
