package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {
    @Test void sameSeedAndIndexGiveTheSameImage() {
        SyntheticDataset a = new SyntheticDataset(7, 30, 23), b = new SyntheticDataset(7, 30, 23);
        for (int i : new int[] {0, 9, 29}) assertArrayEquals(a.image(i).pixels(), b.image(i).pixels(), "image " + i);
        assertFalse(Arrays.equals(a.image(3).pixels(), new SyntheticDataset(8, 30, 23).image(3).pixels()), "another seed gives another image");
        assertFalse(Arrays.equals(a.image(3).pixels(), a.validation(30).image(3).pixels()), "validation images come from another stream");
    }

    @Test void labelsCycleThroughTenBalancedClassesAndPixelsStayInRange() {
        SyntheticDataset d = new SyntheticDataset(1, 25, 19);
        int[] counts = new int[10];
        for (int i = 0; i < d.size(); i++) {
            counts[d.label(i)]++;
            for (float v : d.image(i).pixels()) assertTrue(v >= 0 && v <= 1, "pixel " + v + " of image " + i);
        }
        assertArrayEquals(new int[] {3, 3, 3, 3, 3, 2, 2, 2, 2, 2}, counts);
        assertEquals(10, d.classNames().size());
    }

    /** Every pair of shape classes differs on at least 10% of the shape's [-1, 1]^2 box: the shape decides the class. */
    @Test void shapeClassesAreDistinct() {
        int grid = 64;
        boolean[][] masks = new boolean[10][grid * grid];
        for (int s = 0; s < 10; s++) {
            for (int y = 0; y < grid; y++) {
                for (int x = 0; x < grid; x++) masks[s][y * grid + x] = SyntheticDataset.inside(s, -1 + (x + 0.5f) * 2 / grid, -1 + (y + 0.5f) * 2 / grid);
            }
        }
        for (int s = 0; s < 10; s++) {
            for (int t = s + 1; t < 10; t++) {
                int differ = 0;
                for (int i = 0; i < grid * grid; i++) if (masks[s][i] != masks[t][i]) differ++;
                assertTrue(differ >= grid * grid / 10, SyntheticDataset.CLASS_NAMES.get(s) + " and " + SyntheticDataset.CLASS_NAMES.get(t) + " differ on only " + differ + " of " + grid * grid + " points");
            }
        }
    }
}
