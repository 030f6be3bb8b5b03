package org.alexnet4j.train;

/** Classification results over a set of images: mean cross-entropy loss and top-1 / top-5 accuracy in [0, 1]. */
public record Score(long images, double loss, double top1Accuracy, double top5Accuracy) {
    public double top1Error() { return 1 - top1Accuracy; }

    public double top5Error() { return 1 - top5Accuracy; }
}
