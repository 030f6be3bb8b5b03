package org.alexnet4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.alexnet4j.model.AlexNet.Config;
import org.alexnet4j.model.AlexNet.Variant;
import org.alexnet4j.model.AlexNet.WeightInit;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.nn.Architecture;
import org.alexnet4j.nn.Layer;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.junit.jupiter.api.Test;

/** The variants' layer tables: parameter totals and shapes of the published models, layer order, names, and errors. */
class AlexNetTest {
    private static long total(Config config) { return AlexNet.architecture(config).parameters().parameterCount(); }

    @Test void parameterTotalsAt1000ClassesMatchTheDocumentedNumbers() {
        assertEquals(60_965_224L, total(Config.of(Variant.PAPER)));
        assertEquals(60_965_224L, total(Config.of(Variant.CAFFE)));
        assertEquals(62_378_344L, total(Config.of(Variant.SINGLE_TOWER)));
        assertEquals(62_379_048L, total(Config.of(Variant.BATCHNORM)));
        assertEquals(61_100_840L, total(Config.of(Variant.TORCHVISION)));
    }

    @Test void parameterTotalsAt10ClassesMatchTheDocumentedNumbers() {
        assertEquals(56_909_194L, total(Config.of(Variant.PAPER).withClasses(10)));
        assertEquals(58_322_314L, total(Config.of(Variant.SINGLE_TOWER).withClasses(10)));
    }

    @Test void shapesAt227MatchThePaper() {
        Architecture a = AlexNet.architecture(Config.of(Variant.PAPER));
        assertEquals(Shape.of(1, 96, 55, 55), shapeAfter(a, "conv1"));
        assertEquals(Shape.of(1, 96, 27, 27), shapeAfter(a, "pool1"));
        assertEquals(Shape.of(1, 256, 27, 27), shapeAfter(a, "conv2"));
        assertEquals(Shape.of(1, 256, 13, 13), shapeAfter(a, "pool2"));
        assertEquals(Shape.of(1, 384, 13, 13), shapeAfter(a, "conv3"));
        assertEquals(Shape.of(1, 384, 13, 13), shapeAfter(a, "conv4"));
        assertEquals(Shape.of(1, 256, 13, 13), shapeAfter(a, "conv5"));
        assertEquals(Shape.of(1, 256, 6, 6), shapeAfter(a, "pool5"));
        assertEquals(Shape.of(1, 9216), shapeAfter(a, "flatten"));
        assertEquals(Shape.of(1, 1000), a.outputShape(1));
        Architecture tv = AlexNet.architecture(Config.of(Variant.TORCHVISION));
        assertEquals(Shape.of(1, 64, 55, 55), shapeAfter(tv, "conv1"));
        assertEquals(Shape.of(1, 256, 6, 6), shapeAfter(tv, "pool5"));
    }

    @Test void layerOrderPerVariant() {
        assertEquals(List.of("conv1", "relu1", "lrn1", "pool1", "conv2", "relu2", "lrn2", "pool2", "conv3", "relu3", "conv4", "relu4",
                "conv5", "relu5", "pool5", "avgpool", "flatten", "fc6", "relu6", "drop6", "fc7", "relu7", "drop7", "fc8"), names(Variant.PAPER));
        assertEquals(names(Variant.PAPER), names(Variant.SINGLE_TOWER));
        assertEquals(names(Variant.PAPER), names(Variant.CAFFE));
        assertEquals(List.of("conv1", "relu1", "pool1", "bn1", "conv2", "relu2", "pool2", "bn2", "conv3", "relu3", "conv4", "relu4",
                "conv5", "relu5", "pool5", "avgpool", "flatten", "fc6", "relu6", "drop6", "fc7", "relu7", "drop7", "fc8"), names(Variant.BATCHNORM));
        assertEquals(List.of("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3", "conv4", "relu4",
                "conv5", "relu5", "pool5", "avgpool", "flatten", "drop6", "fc6", "relu6", "drop7", "fc7", "relu7", "fc8"), names(Variant.TORCHVISION));
    }

    @Test void parameterAndBufferNames() {
        Architecture bn = AlexNet.architecture(Config.of(Variant.BATCHNORM));
        assertEquals("conv1.weight", bn.parameters().entries().getFirst().name());
        assertEquals("fc8.bias", bn.parameters().entries().getLast().name());
        assertTrue(bn.parameters().contains("bn1.weight") && bn.parameters().contains("bn2.bias"));
        assertEquals(List.of("bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"),
                bn.buffers().entries().stream().map(e -> e.name()).toList());
        assertEquals(Shape.of(256, 48, 5, 5), AlexNet.architecture(Config.of(Variant.PAPER)).parameters().entry("conv2.weight").shape());
    }

    @Test void lrnPresetsGiveThePaperAndCaffeMath() {
        // The op divides alpha by n: the paper's alpha 1e-4 (not divided) is alpha/n = 1e-4 here.
        assertEquals(1e-4, Variant.PAPER.lrn().alpha() / Variant.PAPER.lrn().size(), 1e-12);
        assertEquals(2.0, Variant.SINGLE_TOWER.lrn().k());
        assertEquals(1e-4, Variant.CAFFE.lrn().alpha());
        assertEquals(1.0, Variant.CAFFE.lrn().k());
    }

    @Test void widthMultiplierScalesChannelsToMultiplesOfTheGroups() {
        Config small = Config.of(Variant.PAPER).withWidthMultiplier(1.0 / 16);
        assertArrayEquals(new int[] {6, 16, 24, 24, 16}, small.channels());
        assertEquals(256, small.fcWidth());
        assertArrayEquals(new int[] {96, 256, 384, 384, 256}, Config.of(Variant.PAPER).channels());
    }

    @Test void smallestInputIs67AndWrongInputsNameTheLayer() {
        Architecture a = AlexNet.architecture(Config.of(Variant.SINGLE_TOWER).withInputSize(67).withWidthMultiplier(0.125));
        assertEquals(Shape.of(1, 32, 1, 1), shapeAfter(a, "pool5"));
        assertEquals(Shape.of(1, 32, 6, 6), shapeAfter(a, "avgpool"));
        ShapeException e = assertThrows(ShapeException.class,
                () -> AlexNet.architecture(Config.of(Variant.SINGLE_TOWER).withInputSize(66)));
        assertEquals("input 66x66 is too small for the single-tower variant: the smallest input it takes is 67x67 "
                + "(layer pool5 (MaxPool2d): max pool window 3x3 does not fit input (1, 256, 2, 2))", e.getMessage());
        ShapeException tiny = assertThrows(ShapeException.class, () -> AlexNet.architecture(Config.of(Variant.TORCHVISION).withInputSize(40)));
        assertTrue(tiny.getMessage().startsWith("input 40x40 is too small for the torchvision variant: the smallest input it takes is "), tiny.getMessage());
        ShapeException grey = assertThrows(ShapeException.class,
                () -> new Architecture(Shape.of(1, 227, 227), AlexNet.architecture(Config.of(Variant.PAPER)).layers()));
        assertEquals("layer conv1 (Conv2d): expected input (N, 3, H, W), got (1, 1, 227, 227)", grey.getMessage());
    }

    @Test void unknownVariantListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Variant.parse("vgg"));
        assertEquals("unknown AlexNet variant 'vgg'; known: paper, single-tower, caffe, batchnorm, torchvision", e.getMessage());
        assertEquals(Variant.SINGLE_TOWER, Variant.parse("single-tower"));
    }

    private static List<String> names(Variant v) { return AlexNet.architecture(Config.of(v)).layers().stream().map(Layer::name).toList(); }

    private static Shape shapeAfter(Architecture a, String layer) {
        List<Layer> layers = a.layers();
        for (int i = 0; i < layers.size(); i++) if (layers.get(i).name().equals(layer)) return a.outputShape(i, 1);
        throw new AssertionError("no layer " + layer);
    }

    @Test void weightInitSetsTheStandardDeviationPerLayer() {
        Config config = Config.of(Variant.PAPER).withClasses(10).withInputSize(67).withWidthMultiplier(0.25);
        // conv2 is grouped: fan-in = 24/2 input channels * 5 * 5 = 300; fc7: fan-in = the FC width 1024.
        assertEquals(0.01, weightStd(config, "conv2.weight"), 0.0005);
        assertEquals(0.01, weightStd(config, "fc7.weight"), 0.0005);
        Config he = config.withWeightInit(WeightInit.HE);
        assertEquals(Math.sqrt(2.0 / 300), weightStd(he, "conv2.weight"), 0.02 * Math.sqrt(2.0 / 300));
        assertEquals(Math.sqrt(2.0 / 1024), weightStd(he, "fc7.weight"), 0.02 * Math.sqrt(2.0 / 1024));
        assertEquals(1f, read(he, "conv2.bias")[0], "the positive bias does not depend on the weight init");
        assertThrows(IllegalArgumentException.class, () -> WeightInit.parse("xavier"));
    }

    private static double weightStd(Config config, String name) {
        float[] w = read(config, name);
        double sum = 0, squares = 0;
        for (float v : w) { sum += v; squares += (double) v * v; }
        double mean = sum / w.length;
        return Math.sqrt(squares / w.length - mean * mean);
    }

    private static float[] read(Config config, String name) {
        try (var backend = Backends.create("reference"); Sequential net = AlexNet.create(backend, config, 7)) {
            return net.read(name);
        }
    }
}
