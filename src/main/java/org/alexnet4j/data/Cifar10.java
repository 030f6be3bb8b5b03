package org.alexnet4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * CIFAR-10, binary version: files of 3073-byte records (label byte, then 1024 red, 1024 green, 1024 blue
 * bytes, rows of 32 top to bottom). Training = data_batch_1..5.bin, test = test_batch.bin. Class names
 * come from batches.meta.txt (one per line) when present, else the standard ten. Held in memory.
 */
public final class Cifar10 implements Dataset {
    public static final int SIDE = 32, RECORD_BYTES = 1 + 3 * SIDE * SIDE;
    public static final List<String> STANDARD_CLASSES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
    private static final String SUBFOLDER = "cifar-10-batches-bin";

    private final Path dir;
    private final List<Path> files;
    private final byte[][] records;
    private final int[] fileStarts;
    private final List<String> classNames;
    private final String fingerprint;

    private Cifar10(Path dir, List<Path> files, byte[][] records, List<String> classNames) {
        this.dir = dir;
        this.files = files;
        this.records = records;
        this.classNames = classNames;
        this.fileStarts = new int[files.size() + 1];
        MessageDigest digest = Sha256.digest();
        for (int f = 0; f < files.size(); f++) {
            fileStarts[f + 1] = fileStarts[f] + records[f].length / RECORD_BYTES;
            digest.update(files.get(f).getFileName().toString().getBytes(StandardCharsets.UTF_8));
            digest.update(records[f]);
        }
        this.fingerprint = "cifar10:" + size() + ":" + HexFormat.of().formatHex(digest.digest());
        for (int i = 0; i < size(); i++) {
            if (label(i) >= classNames.size()) {
                throw new DataException(describe(i) + ": label " + label(i) + " is not below the " + classNames.size() + " class names " + classNames);
            }
        }
    }

    /** data_batch_1.bin .. data_batch_5.bin of {@code dir} (or of dir/cifar-10-batches-bin). */
    public static Cifar10 training(Path dir) {
        List<String> names = new ArrayList<>();
        for (int b = 1; b <= 5; b++) names.add("data_batch_" + b + ".bin");
        return open(dir, names);
    }

    /** test_batch.bin of {@code dir} (or of dir/cifar-10-batches-bin). */
    public static Cifar10 test(Path dir) { return open(dir, List.of("test_batch.bin")); }

    /** The given batch files of {@code dir}. */
    public static Cifar10 open(Path dir, List<String> fileNames) {
        if (!Files.isDirectory(dir)) throw new DataException("CIFAR-10 folder " + dir + " does not exist or is not a directory");
        Path folder = Files.isDirectory(dir.resolve(SUBFOLDER)) && !Files.exists(dir.resolve(fileNames.getFirst())) ? dir.resolve(SUBFOLDER) : dir;
        List<Path> files = new ArrayList<>();
        byte[][] records = new byte[fileNames.size()][];
        for (int f = 0; f < fileNames.size(); f++) {
            Path file = folder.resolve(fileNames.get(f));
            if (!Files.isRegularFile(file)) throw new DataException("CIFAR-10 file " + file + " not found (expected " + fileNames + " in " + folder + ")");
            try {
                records[f] = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new DataException("cannot read CIFAR-10 file " + file + ": " + e.getMessage(), e);
            }
            if (records[f].length == 0 || records[f].length % RECORD_BYTES != 0) {
                throw new DataException("CIFAR-10 file " + file + " has " + records[f].length + " bytes, not a positive multiple of the "
                        + RECORD_BYTES + "-byte record (truncated or not the binary version?)");
            }
            files.add(file);
        }
        return new Cifar10(folder, List.copyOf(files), records, classNames(folder));
    }

    private static List<String> classNames(Path folder) {
        Path meta = folder.resolve("batches.meta.txt");
        if (!Files.isRegularFile(meta)) return STANDARD_CLASSES;
        try {
            List<String> names = Files.readAllLines(meta, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
            if (names.isEmpty()) throw new DataException("CIFAR-10 class list " + meta + " is empty");
            return names;
        } catch (IOException e) {
            throw new DataException("cannot read CIFAR-10 class list " + meta + ": " + e.getMessage(), e);
        }
    }

    @Override public int size() { return fileStarts[files.size()]; }

    @Override public int label(int index) {
        int f = fileOf(index);
        return records[f][(index - fileStarts[f]) * RECORD_BYTES] & 0xFF;
    }

    @Override public List<String> classNames() { return classNames; }

    @Override public RgbImage image(int index) {
        int f = fileOf(index);
        int start = (index - fileStarts[f]) * RECORD_BYTES + 1;
        RgbImage image = RgbImage.blank(SIDE, SIDE);
        float[] p = image.pixels();
        for (int i = 0; i < p.length; i++) p[i] = (records[f][start + i] & 0xFF) / 255f;
        return image;
    }

    @Override public String describe(int index) {
        int f = fileOf(index);
        return files.get(f) + " record " + (index - fileStarts[f]);
    }

    @Override public String fingerprint() { return fingerprint; }

    @Override public Optional<Path> cacheDirectory() { return Optional.of(dir); }

    private int fileOf(int index) {
        if (index < 0 || index >= size()) throw new IndexOutOfBoundsException("CIFAR-10 image " + index + " is not in 0.." + (size() - 1));
        int f = 0;
        while (index >= fileStarts[f + 1]) f++;
        return f;
    }
}
