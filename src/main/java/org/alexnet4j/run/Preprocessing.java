// How an image becomes a network input for a trained model: base side, input size, normalization, statistics.
package org.alexnet4j.run;

import org.alexnet4j.data.Augmentation;
import org.alexnet4j.data.ImagePipeline;
import org.alexnet4j.data.ImageStatistics;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.PcaLighting;
import org.alexnet4j.data.Resizing;

/**
 * What evaluation and prediction must repeat exactly as training did: images are made into side x side base
 * images by {@code resizing}, cropped to inputSize and normalized with the training-set {@code statistics}.
 */
public record Preprocessing(int side, int inputSize, Normalization normalization, ImageStatistics statistics, Resizing resizing) {
    /** alexnet4j's own preprocessing ({@link Resizing#PAPER}), what its training runs use. */
    public Preprocessing(int side, int inputSize, Normalization normalization, ImageStatistics statistics) {
        this(side, inputSize, normalization, statistics, Resizing.PAPER);
    }

    /**
     * torchvision's ImageNet convention (Resize(256) and CenterCrop as torchvision does them, per-channel mean and
     * standard deviation), for torchvision weight files.
     */
    public static Preprocessing imagenet(int inputSize) {
        int side = 256;
        float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
        float[] meanImage = new float[3 * side * side];
        for (int c = 0; c < 3; c++) java.util.Arrays.fill(meanImage, c * side * side, (c + 1) * side * side, mean[c]);
        return new Preprocessing(side, inputSize, Normalization.CHANNEL_MEAN_STD,
                new ImageStatistics(side, 0, meanImage, mean, std, PcaLighting.IMAGENET, "imagenet"), Resizing.TORCHVISION);
    }

    /** The evaluation pipeline: the centre crop, or the paper's ten crops. */
    public ImagePipeline evaluationPipeline(boolean tenCrop) {
        return new ImagePipeline(side, inputSize, tenCrop ? ImagePipeline.Mode.TEN_CROP : ImagePipeline.Mode.CENTRE, resizing,
                Augmentation.NONE, normalization, statistics);
    }
}
