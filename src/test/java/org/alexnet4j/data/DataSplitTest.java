package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataSplitTest {
    @Test void stratifiedSplitHoldsOutTheFractionOfEveryClassDisjointly() {
        Dataset dataset = TestDatasets.indexed(103, 4, 5, Set.of());
        DataSplit split = DataSplit.stratified(dataset, 0.2, 8);
        int[] held = new int[5], total = new int[5];
        Set<String> seen = new HashSet<>();
        for (Dataset part : new Dataset[] {split.training(), split.validation()}) {
            for (int i = 0; i < part.size(); i++) {
                assertTrue(seen.add(part.describe(i)), "image in both parts: " + part.describe(i));
                int index = TestDatasets.indexOf(part.image(i).pixels()[0]);
                assertEquals(index % 5, part.label(i), "label follows the image");
                total[part.label(i)]++;
                if (part == split.validation()) held[part.label(i)]++;
            }
        }
        assertEquals(103, seen.size());
        for (int c = 0; c < 5; c++) assertEquals(Math.round(0.2 * total[c]), held[c], "class " + c);
        DataSplit again = DataSplit.stratified(dataset, 0.2, 8), other = DataSplit.stratified(dataset, 0.2, 9);
        assertEquals(split.validation().fingerprint(), again.validation().fingerprint(), "same seed, same split");
        assertTrue(!split.validation().fingerprint().equals(other.validation().fingerprint()), "another seed, another split");
    }
}
