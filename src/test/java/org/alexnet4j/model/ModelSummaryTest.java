package org.alexnet4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.alexnet4j.model.AlexNet.Config;
import org.alexnet4j.model.AlexNet.Variant;
import org.junit.jupiter.api.Test;

/** The summary reproduces the reference torchsummary table of single-tower AlexNet with 10 classes. */
class ModelSummaryTest {
    private static final ModelSummary SINGLE_TOWER_10 = ModelSummary.of(AlexNet.architecture(Config.of(Variant.SINGLE_TOWER).withClasses(10)));

    @Test void totalsMatchTheReferenceTable() {
        String text = SINGLE_TOWER_10.format();
        for (String line : List.of("Total params: 58,322,314", "Trainable params: 58,322,314", "Non-trainable params: 0",
                "Input size (MB): 0.59", "Forward/backward pass size (MB): 14.75", "Params size (MB): 222.48",
                "Estimated Total Size (MB): 237.82")) {
            assertTrue(text.contains(line + "\n"), () -> "missing '" + line + "' in\n" + text);
        }
    }

    @Test void perLayerParameterCountsMatchTheReferenceRows() {
        // The reference table's rows Conv2d-1, -5, -9, -11, -13 and Linear-17, -20, -23.
        List<String> names = List.of("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8");
        List<Long> expected = List.of(34_944L, 614_656L, 885_120L, 1_327_488L, 884_992L, 37_752_832L, 16_781_312L, 40_970L);
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            ModelSummary.Row row = SINGLE_TOWER_10.rows().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
            assertEquals(expected.get(i), row.parameters(), name);
        }
    }

    @Test void rowsShowNameTypeOutputShapeWithBatchMinusOneAndParameters() {
        List<String> lines = SINGLE_TOWER_10.format().lines().map(String::trim).toList();
        for (List<String> row : List.of(List.of("conv1 (Conv2d)", "[-1, 96, 55, 55]", "34,944"),
                List.of("pool1 (MaxPool2d)", "[-1, 96, 27, 27]", "0"),
                List.of("pool2 (MaxPool2d)", "[-1, 256, 13, 13]", "0"),
                List.of("avgpool (AdaptiveAvgPool2d)", "[-1, 256, 6, 6]", "0"),
                List.of("flatten (Flatten)", "[-1, 9216]", "0"),
                List.of("fc8 (Linear)", "[-1, 10]", "40,970"))) {
            assertTrue(lines.stream().anyMatch(l -> List.of(l.split("\\s{2,}")).equals(row)), () -> "missing row " + row + " in\n" + SINGLE_TOWER_10.format());
        }
    }
}
