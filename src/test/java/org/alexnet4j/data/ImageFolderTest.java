package org.alexnet4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir Path root;

    /** Writes class folders zebra (2 PNG), apple (1 JPEG + 1 PNG in a sub-folder), mango (1 PNG); each image's red = 10 * its number. */
    private void writeClasses() throws IOException {
        ImageFiles.write(ImageFiles.rgb(6, 8, (c, p) -> c == 0 ? 10 : 0), "png", root.resolve("zebra/z1.png"));
        ImageFiles.write(ImageFiles.rgb(6, 8, (c, p) -> c == 0 ? 20 : 0), "png", root.resolve("zebra/z2.PNG"));
        ImageFiles.writeJpeg(ImageFiles.rgb(8, 8, (c, p) -> c == 0 ? 30 : 0), root.resolve("apple/a1.jpg"));
        ImageFiles.write(ImageFiles.rgb(6, 8, (c, p) -> c == 0 ? 40 : 0), "png", root.resolve("apple/more/a2.png"));
        ImageFiles.write(ImageFiles.rgb(6, 8, (c, p) -> c == 0 ? 50 : 0), "png", root.resolve("mango/m1.png"));
        Files.writeString(root.resolve("apple/.DS_Store"), "hidden files are ignored");
    }

    @Test void classesAreSortedFolderNamesAndLabelsFollowTheFiles() throws IOException {
        writeClasses();
        ImageFolder folder = ImageFolder.open(root, BadImagePolicy.FAIL);
        assertEquals(List.of("apple", "mango", "zebra"), folder.classNames());
        assertEquals(5, folder.size());
        int[] expectedRed = {30, 40, 50, 10, 20};
        int[] expectedLabel = {0, 0, 1, 2, 2};
        for (int i = 0; i < 5; i++) {
            assertEquals(expectedLabel[i], folder.label(i), folder.describe(i));
            assertEquals(expectedRed[i] / 255f, folder.image(i).pixels()[0], 2 / 255f, "red of " + folder.describe(i) + " (JPEG within 2/255)");
        }
        assertEquals(root, folder.cacheDirectory().orElseThrow());
    }

    @Test void fingerprintChangesWhenAFileChanges() throws IOException {
        writeClasses();
        String before = ImageFolder.open(root, BadImagePolicy.FAIL).fingerprint();
        assertEquals(before, ImageFolder.open(root, BadImagePolicy.FAIL).fingerprint());
        ImageFiles.write(ImageFiles.rgb(9, 9, (c, p) -> 1), "png", root.resolve("mango/m1.png"));
        assertTrue(!before.equals(ImageFolder.open(root, BadImagePolicy.FAIL).fingerprint()));
    }

    @Test void nonImageFilesFailOrAreSkippedAndCounted() throws IOException {
        writeClasses();
        Path notes = Files.writeString(root.resolve("mango/notes.txt"), "not an image");
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(root, BadImagePolicy.FAIL));
        assertTrue(e.getMessage().contains(notes.toString()), e.getMessage());
        assertTrue(e.getMessage().endsWith("; remove it, or skip bad images (ImageReading policy SKIP)"), e.getMessage());
        ImageFolder skipping = ImageFolder.open(root, BadImagePolicy.SKIP);
        assertEquals(5, skipping.size());
        assertEquals(1, skipping.problems().skippedCount());
        assertTrue(skipping.problems().messages().getFirst().contains("notes.txt"));
    }

    @Test void emptyClassFailsOrKeepsItsLabel() throws IOException {
        writeClasses();
        Files.createDirectories(root.resolve("banana"));
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(root, BadImagePolicy.FAIL));
        assertTrue(e.getMessage().contains("banana") && e.getMessage().contains("no images"), e.getMessage());
        ImageFolder skipping = ImageFolder.open(root, BadImagePolicy.SKIP);
        assertEquals(List.of("apple", "banana", "mango", "zebra"), skipping.classNames());
        assertEquals(2, skipping.label(2), "mango keeps the label of its sorted position");
        assertTrue(skipping.problems().summary().contains("banana"));
    }

    @Test void missingOrEmptyRootsFailClearly() throws IOException {
        Path missing = root.resolve("nowhere");
        assertTrue(assertThrows(DataException.class, () -> ImageFolder.open(missing, BadImagePolicy.SKIP)).getMessage().contains(missing + " does not exist"));
        Path file = Files.writeString(root.resolve("file"), "x");
        assertTrue(assertThrows(DataException.class, () -> ImageFolder.open(file, BadImagePolicy.SKIP)).getMessage().contains("not a directory"));
        Path empty = Files.createDirectories(root.resolve("empty"));
        assertTrue(assertThrows(DataException.class, () -> ImageFolder.open(empty, BadImagePolicy.SKIP)).getMessage().contains("no class sub-folders"));
    }

    /** A corrupt image in a class folder: FAIL names it when drawn, SKIP replaces it by the next image and counts it. */
    @Test void corruptImagesFollowThePolicyWhenDecoded() throws IOException {
        writeClasses();
        Path broken = Files.write(root.resolve("apple/a0.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        ImageFolder folder = ImageFolder.open(root, BadImagePolicy.FAIL);
        assertEquals(broken.toString(), folder.describe(0));
        DataException e = assertThrows(DataException.class, () -> new BaseImages(folder, 4, BadImagePolicy.FAIL, new DataProblems()).get(0));
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
        assertEquals(DataException.Remedy.SKIP_BAD_IMAGES, e.remedy(), "a bad image met in training says how to skip it");
        DataProblems problems = new DataProblems();
        BaseImages skipping = new BaseImages(folder, 4, BadImagePolicy.SKIP, problems);
        BaseImages.Prepared prepared = skipping.get(0);
        assertEquals(1, prepared.index(), "the next image (a1.jpg) stands in, with its own label");
        assertEquals(1, problems.skippedCount());
    }

    /** Images smaller than the base side are upscaled, and counted once per image. */
    @Test void smallImagesAreUpscaledAndReported() throws IOException {
        writeClasses();
        ImageFolder folder = ImageFolder.open(root, BadImagePolicy.FAIL);
        DataProblems problems = new DataProblems();
        BaseImages images = new BaseImages(folder, 7, BadImagePolicy.FAIL, problems);
        for (int repeat = 0; repeat < 2; repeat++) {
            for (int i = 0; i < folder.size(); i++) assertEquals(7, images.get(i).image().height());
        }
        assertEquals(4, problems.upscaledCount(), "the four 6-pixel-high images; the 8x8 JPEG is shrunk");
        assertTrue(problems.summary().contains("4 upscaled"));
    }
}
