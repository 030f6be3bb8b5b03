package org.alexnet4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder with one sub-folder per class (sorted by name: label = position) holding JPEG, PNG, BMP or
 * GIF files, searched recursively and sorted by path. The fingerprint hashes every file's relative path,
 * size and modification time. Hidden files and folders are ignored; other files
 * and empty class folders are handled by the {@link BadImagePolicy}: FAIL names them, SKIP counts them
 * (an empty class keeps its label so labels always match the sorted folder names).
 */
public final class ImageFolder implements Dataset {
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private final Path root;
    private final List<String> classNames;
    private final List<Path> files;
    private final int[] labels;
    private final String fingerprint;
    private final DataProblems problems;
    private final long maxPixels;

    private ImageFolder(Path root, List<String> classNames, List<Path> files, int[] labels, String fingerprint, DataProblems problems, long maxPixels) {
        this.root = root;
        this.classNames = classNames;
        this.files = files;
        this.labels = labels;
        this.fingerprint = fingerprint;
        this.problems = problems;
        this.maxPixels = maxPixels;
    }

    /** {@link #open(Path, ImageReading)} with {@code policy} and the decoder's default pixel limit. */
    public static ImageFolder open(Path root, BadImagePolicy policy) { return open(root, new ImageReading(policy, ImageDecoder.DEFAULT_MAX_PIXELS)); }

    /** The folder at {@code root}, its files handled by {@code reading}'s policy and decoded with its pixel limit. */
    public static ImageFolder open(Path root, ImageReading reading) {
        BadImagePolicy policy = reading.policy();
        long maxPixels = reading.maxPixels();
        if (!Files.exists(root)) throw new DataException("image folder " + root + " does not exist");
        if (!Files.isDirectory(root)) throw new DataException("image folder " + root + " is not a directory");
        DataProblems problems = new DataProblems();
        List<Path> classFolders = sorted(list(root).filter(p -> !hidden(p) && Files.isDirectory(p)));
        if (classFolders.isEmpty()) throw new DataException("image folder " + root + " has no class sub-folders (expected one folder of images per class)");
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        MessageDigest digest = Sha256.digest();
        for (Path folder : classFolders) {
            int label = classNames.size();
            classNames.add(folder.getFileName().toString());
            int found = 0;
            for (Path file : imageCandidates(folder)) {
                if (!EXTENSIONS.contains(extension(file))) {
                    String message = file + ": not an image file (extension is not one of " + EXTENSIONS + ")";
                    if (policy == BadImagePolicy.FAIL) throw new DataException(message, DataException.Remedy.SKIP_BAD_IMAGES);
                    problems.skipped(message);
                    continue;
                }
                files.add(file);
                labels.add(label);
                found++;
                digest.update((root.relativize(file) + "\u0000" + sizeAndTime(file) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            if (found == 0) {
                String message = "class folder " + folder + " has no images";
                if (policy == BadImagePolicy.FAIL) throw new DataException(message);
                problems.warn(message + " (class '" + folder.getFileName() + "' kept as label " + label + ")");
            }
        }
        if (files.isEmpty()) throw new DataException("image folder " + root + " has no images in any of its " + classFolders.size() + " class folders");
        String fingerprint = "image-folder:" + files.size() + ":" + HexFormat.of().formatHex(digest.digest());
        return new ImageFolder(root, List.copyOf(classNames), List.copyOf(files), labels.stream().mapToInt(Integer::intValue).toArray(), fingerprint, problems, maxPixels);
    }

    public Path root() { return root; }

    public Path file(int index) { return files.get(index); }

    @Override public int size() { return files.size(); }

    @Override public int label(int index) { return labels[index]; }

    @Override public List<String> classNames() { return classNames; }

    @Override public RgbImage image(int index) { return ImageDecoder.decode(files.get(index), maxPixels); }

    @Override public String describe(int index) { return files.get(index).toString(); }

    @Override public String fingerprint() { return fingerprint; }

    @Override public Optional<Path> cacheDirectory() { return Optional.of(root); }

    @Override public DataProblems problems() { return problems; }

    private static List<Path> imageCandidates(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> Files.isRegularFile(p) && !hiddenBelow(folder, p)).sorted().toList();
        } catch (IOException e) {
            throw new DataException("cannot list class folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList().stream();
        } catch (IOException e) {
            throw new DataException("cannot list image folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> sorted(Stream<Path> paths) { return paths.sorted().toList(); }

    private static boolean hidden(Path p) { return p.getFileName().toString().startsWith("."); }

    private static boolean hiddenBelow(Path folder, Path p) {
        for (Path part : folder.relativize(p)) if (part.toString().startsWith(".")) return true;
        return false;
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** "bytes@modified" of {@code file}: a content change almost always changes one of the two. */
    private static String sizeAndTime(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return attributes.size() + "@" + attributes.lastModifiedTime().toMillis();
        } catch (IOException e) {
            throw new DataException("cannot read the size of " + file + ": " + e.getMessage(), e);
        }
    }
}
