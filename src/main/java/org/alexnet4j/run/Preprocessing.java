// How an image becomes a network input for a trained model: base side, input size, normalization, statistics.
package org.alexnet4j.run;

import org.alexnet4j.data.Augmentation;
import org.alexnet4j.data.ImagePipeline;
import org.alexnet4j.data.ImageStatistics;
import org.alexnet4j.data.Normalization;
import org.alexnet4j.data.PcaLighting;

/**
 * What evaluation and prediction must repeat exactly as training did: images are resized so the shorter
 * side is {@code side}, centre-cropped to side x side, cropped to inputSize and normalized with the
 * training-set {@code statistics}.
 */
public record Preprocessing(int side, int inputSize, Normalization normalization, ImageStatistics statistics) {
    /** torchvision's ImageNet convention (resize 256, per-channel mean and standard deviation), for weight files without statistics. */
    public static Preprocessing imagenet(int inputSize) {
        int side = 256;
        float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
        float[] meanImage = new float[3 * side * side];
        for (int c = 0; c < 3; c++) java.util.Arrays.fill(meanImage, c * side * side, (c + 1) * side * side, mean[c]);
        return new Preprocessing(side, inputSize, Normalization.CHANNEL_MEAN_STD,
                new ImageStatistics(side, 0, meanImage, mean, std, PcaLighting.IMAGENET, "imagenet"));
    }

    /** The evaluation pipeline: the centre crop, or the paper's ten crops. */
    public ImagePipeline evaluationPipeline(boolean tenCrop) {
        return new ImagePipeline(side, inputSize, tenCrop ? ImagePipeline.Mode.TEN_CROP : ImagePipeline.Mode.CENTRE,
                Augmentation.NONE, normalization, statistics);
    }
}
