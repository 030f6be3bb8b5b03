package org.alexnet4j.data;

import java.util.List;
import org.alexnet4j.backend.host.HostLimits;
import org.alexnet4j.tensor.Shape;

/**
 * Turns a base image (side x side, made by the pipeline's {@link Resizing}) into network inputs (3, inputSize,
 * inputSize): for training a random crop, mirror and PCA lighting; for evaluation the centre crop or the
 * paper's ten crops. The normalization's plane (e.g. the mean image) is subtracted at the source pixel of
 * each crop value.
 */
public final class ImagePipeline {
    /** What one base image becomes. */
    public enum Mode {
        /** One augmented crop per image (random position, mirror and lighting as configured). */
        TRAIN,
        /** The central crop. */
        CENTRE,
        /** Ten crops: four corners and the centre, then their mirror images ({@link Crop#tenCrops}). */
        TEN_CROP
    }

    /**
     * The largest base image side: 3 x side x side floats of a base image or a mean image stay within one
     * Java array (4.8 GB at this side), and every network input up to {@code AlexNet.MAX_INPUT_SIZE} has its
     * paper-ratio side below it.
     */
    public static final int MAX_SIDE = 20_000;

    private final int side, inputSize;
    private final Mode mode;
    private final Resizing resizing;
    private final Augmentation augmentation;
    private final PcaLighting lighting;
    private final float[] subtrahend, scale;
    private final List<Crop> evaluationCrops;

    /** The paper's pipeline ({@link Resizing#PAPER}), what alexnet4j trains with. */
    public ImagePipeline(int side, int inputSize, Mode mode, Augmentation augmentation, Normalization normalization, ImageStatistics statistics) {
        this(side, inputSize, mode, Resizing.PAPER, augmentation, normalization, statistics);
    }

    /**
     * {@code statistics} may be null only when nothing needs them: normalization NONE and no lighting on
     * fitted components in TRAIN mode.
     */
    public ImagePipeline(int side, int inputSize, Mode mode, Resizing resizing, Augmentation augmentation, Normalization normalization,
                         ImageStatistics statistics) {
        requireSide(side);
        if (inputSize <= 0 || inputSize > side) throw new IllegalArgumentException("network input " + inputSize + " must be in 1.." + side + " (the base image side)");
        boolean fittedLighting = mode == Mode.TRAIN && augmentation.lightingStd() > 0 && augmentation.components() == Augmentation.LightingComponents.FITTED;
        if (statistics == null && (normalization != Normalization.NONE || fittedLighting)) {
            throw new IllegalArgumentException("normalization " + normalization + (fittedLighting ? " and fitted PCA lighting need" : " needs") + " training-set statistics");
        }
        if (statistics != null && statistics.side() != side) {
            throw new IllegalArgumentException("statistics are for base images of side " + statistics.side() + ", the pipeline uses side " + side);
        }
        this.side = side;
        this.inputSize = inputSize;
        this.mode = mode;
        this.resizing = resizing;
        this.augmentation = augmentation;
        this.lighting = fittedLighting ? statistics.pca() : PcaLighting.IMAGENET;
        this.subtrahend = statistics == null ? HostLimits.floats("a zero plane of side " + side, 3L * side * side) : statistics.subtrahend(normalization);
        this.scale = statistics == null ? new float[] {1, 1, 1} : statistics.scale(normalization);
        this.evaluationCrops = switch (mode) {
            case TRAIN -> List.of();
            case CENTRE -> List.of(resizing.centre(side, inputSize));
            case TEN_CROP -> Crop.tenCrops(side, inputSize, resizing.centre(side, inputSize));
        };
    }

    /** {@code side}, or IllegalArgumentException naming it and the range 1..{@value #MAX_SIDE}. */
    public static int requireSide(int side) {
        if (side < 1 || side > MAX_SIDE) throw new IllegalArgumentException("base image side " + side + " is outside 1.." + MAX_SIDE);
        return side;
    }

    public int side() { return side; }

    public int inputSize() { return inputSize; }

    public Mode mode() { return mode; }

    /** The base image of a decoded image of any size, as this pipeline's resizing makes it. */
    public RgbImage base(RgbImage image) { return resizing.base(image, side, inputSize); }

    /** Network inputs written per base image: 1, or 10 for TEN_CROP. */
    public int cropsPerImage() { return mode == Mode.TRAIN ? 1 : evaluationCrops.size(); }

    /** Shape of one network input: (3, inputSize, inputSize). */
    public Shape inputShape() { return Shape.of(RgbImage.CHANNELS, inputSize, inputSize); }

    /** Floats per network input. */
    public int inputFloats() { return RgbImage.CHANNELS * inputSize * inputSize; }

    /**
     * Writes the {@link #cropsPerImage()} inputs of base image {@code index} consecutively at
     * {@code offset}. In TRAIN mode the crop, mirror and lighting are functions of (seed, epoch, index).
     */
    public void render(RgbImage base, long seed, int epoch, int index, float[] destination, int offset) {
        if (mode != Mode.TRAIN) {
            float[] none = new float[3];
            for (Crop crop : evaluationCrops) {
                crop.extract(base, inputSize, none, subtrahend, scale, destination, offset);
                offset += inputFloats();
            }
            return;
        }
        Draws draws = new Draws(seed, Draws.AUGMENT, epoch);
        trainingCrop(draws, index).extract(base, inputSize, lightingOffset(draws, index), subtrahend, scale, destination, offset);
    }

    /** The crop drawn for image {@code index} in TRAIN mode. */
    Crop trainingCrop(Draws draws, int index) {
        int range = side - inputSize + 1;
        Crop centre = resizing.centre(side, inputSize);
        int top = augmentation.randomCrop() ? draws.below(index, Draws.CROP_TOP, range) : centre.top();
        int left = augmentation.randomCrop() ? draws.below(index, Draws.CROP_LEFT, range) : centre.left();
        boolean flip = augmentation.mirror() && draws.bits(index, Draws.MIRROR) < 0;
        return new Crop(top, left, flip);
    }

    /** The RGB offset added to every pixel of image {@code index} in TRAIN mode (zero without lighting). */
    float[] lightingOffset(Draws draws, int index) {
        float[] offset = new float[3];
        if (augmentation.lightingStd() > 0) {
            double[] alpha = new double[3];
            draws.gaussians(index, alpha);
            for (int k = 0; k < 3; k++) alpha[k] *= augmentation.lightingStd();
            lighting.offset(alpha, offset);
        }
        return offset;
    }

    /** The lighting components in use (fitted or ImageNet), for saving with the model. */
    public PcaLighting lighting() { return lighting; }
}
