// Random mutations of valid files against the readers of untrusted input: safetensors, checkpoints, model files, images.
package org.alexnet4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.MemoryLimitException;
import org.alexnet4j.data.DataException;
import org.alexnet4j.data.ImageDecoder;
import org.alexnet4j.io.CheckpointFile;
import org.alexnet4j.io.SafeTensors;
import org.alexnet4j.io.SafeTensorsException;
import org.alexnet4j.io.SafeTensorsFile;
import org.alexnet4j.io.TensorData;
import org.alexnet4j.model.AlexNet;
import org.alexnet4j.nn.Sequential;
import org.alexnet4j.run.ModelFiles;
import org.alexnet4j.run.ModelFilesTest;
import org.alexnet4j.run.TrainedModel;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each reader gets thousands of seeded mutations of a valid file (bit flips, bytes set to edge values, truncation,
 * insertions, deletions, copied ranges, and numbers in the header replaced by extreme ones). Every case must end
 * in a result or in one of the reader's documented exceptions, never another exception or an Error, within a
 * bounded allocation. A failure names the seed and the case, so it can be replayed.
 */
class FileFuzzTest {
    private static final long SEED = 20121203;
    /** Heap one case may allocate, at most (the files are a few KB to 1 MB; images are limited to 1 megapixel). */
    private static final long CASE_BYTES = 96L << 20;
    private static final long IMAGE_PIXELS = 1 << 20;
    private static final String[] EXTREME_NUMBERS = {"0", "-1", "1", "255", "65536", "2147483647", "2147483648", "4294967296",
            "9223372036854775807", "99999999999999999999", "1e309", "-0", "NaN", "3.5"};

    @TempDir Path dir;

    /** What a reader under test may throw: these are its documented failures. */
    private interface Reader { void read(Path file) throws Exception; }

    /** A mutation of the valid file, drawn from {@code random}. */
    private interface Mutator { byte[] mutant(SplittableRandom random); }

    private void fuzz(String what, int cases, Mutator mutator, Reader reader, List<Class<? extends Throwable>> allowed) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(SEED ^ what.hashCode());
        Path file = dir.resolve(what);
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            int refused = 0;
            for (int c = 0; c < cases; c++) {
                byte[] bytes = mutator.mutant(random);
                Files.write(file, bytes);
                long before = threads.getCurrentThreadAllocatedBytes();
                try {
                    reader.read(file);
                } catch (Throwable t) {
                    if (allowed.stream().noneMatch(a -> a.isInstance(t))) {
                        throw new AssertionError(what + " case " + c + " (seed " + SEED + "): undocumented " + t, t);
                    }
                    if (t.getMessage() == null || !t.getMessage().contains(file.toString()) && !t.getMessage().contains(what)) {
                        fail(what + " case " + c + ": the message does not name the file: " + t);
                    }
                    refused++;
                }
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertTrue(allocated < CASE_BYTES, what + " case " + c + " allocated " + allocated + " bytes");
            }
            assertTrue(refused > cases / 4, what + ": only " + refused + " of " + cases + " mutations were refused; the mutator is too gentle");
        });
    }

    /** One to four mutations, most of them (three in four) inside the first {@code headerEnd} bytes. */
    private static byte[] mutate(byte[] valid, SplittableRandom r, int headerEnd) {
        byte[] b = valid.clone();
        for (int n = 1 + r.nextInt(4); n > 0 && b.length > 0; n--) {
            int at = r.nextInt(4) > 0 ? r.nextInt(Math.min(headerEnd, b.length)) : r.nextInt(b.length);
            switch (r.nextInt(8)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = randomByte(r);
                case 2 -> b[at] = new byte[] {0, (byte) 0xff, 0x7f, (byte) 0x80, '"', '[', '{', ','}[r.nextInt(8)];
                case 3 -> b = java.util.Arrays.copyOf(b, at);
                case 4 -> {
                    byte[] inserted = new byte[1 + r.nextInt(16)];
                    for (int i = 0; i < inserted.length; i++) inserted[i] = randomByte(r);
                    b = splice(b, at, at, inserted);
                }
                case 5 -> b = splice(b, at, Math.min(b.length, at + 1 + r.nextInt(32)), new byte[0]);
                case 6 -> {
                    int from = r.nextInt(b.length), length = Math.min(1 + r.nextInt(64), b.length - from);
                    b = splice(b, at, at, java.util.Arrays.copyOfRange(b, from, from + length));
                }
                default -> b = replaceNumber(b, at, EXTREME_NUMBERS[r.nextInt(EXTREME_NUMBERS.length)]);
            }
        }
        return b;
    }

    /** Mostly printable ASCII (so a JSON header stays text and the checks behind the parser are reached), else any byte. */
    private static byte randomByte(SplittableRandom r) { return (byte) (r.nextInt(4) > 0 ? 32 + r.nextInt(95) : r.nextInt(256)); }

    /** The digits run at or after {@code at} replaced by {@code number} (a header's shapes, offsets and metadata numbers). */
    private static byte[] replaceNumber(byte[] b, int at, String number) {
        int start = at;
        while (start < b.length && !Character.isDigit(b[start])) start++;
        if (start == b.length) return b;
        int end = start;
        while (end < b.length && Character.isDigit(b[end])) end++;
        return splice(b, start, end, number.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] replacement) {
        byte[] out = new byte[b.length - (to - from) + replacement.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(replacement, 0, out, from, replacement.length);
        System.arraycopy(b, to, out, from + replacement.length, b.length - to);
        return out;
    }

    /** Header entries a well-framed mutant may gain: an empty tensor, a rank-0 tensor, a duplicate-looking name, odd metadata. */
    private static final String[] ENTRIES = {"\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},",
            "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]},",
            "\"huge\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,0]},",
            "\"ints\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[0,0]},"};

    /**
     * Mutations of a safetensors file: half anywhere (three in four within the header), half of the JSON header
     * alone with the length field rewritten to match, so the mutant gets past the framing to the checks of
     * shapes, offsets, dtypes and metadata (some of those gain one of {@link #ENTRIES} after their first brace).
     */
    private static Mutator safetensorsMutator(byte[] valid) {
        int headerEnd = (int) (8 + ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        byte[] header = java.util.Arrays.copyOfRange(valid, 8, headerEnd), data = java.util.Arrays.copyOfRange(valid, headerEnd, valid.length);
        return random -> {
            if (random.nextBoolean()) return mutate(valid, random, headerEnd);
            byte[] json = random.nextInt(4) == 0 ? header : mutate(header, random, header.length);
            if (json.length > 0 && random.nextInt(4) == 0) json = splice(json, 1, 1, ENTRIES[random.nextInt(ENTRIES.length)].getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).put(data).array();
        };
    }

    // ---- safetensors and checkpoints ----------------------------------------------------------------

    /** Tensors of several dtypes and ranks, and metadata. */
    private static byte[] smallSafetensors() {
        ByteBuffer data = ByteBuffer.allocate(4 * 6 + 8 * 2 + 2 * 4 + 2 * 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) data.putFloat(i * 0.5f - 1);
        data.putDouble(1e-3).putDouble(-2);
        for (int i = 0; i < 4; i++) data.putShort(Float.floatToFloat16(i));
        for (int i = 0; i < 2; i++) data.putShort((short) (Float.floatToRawIntBits(i + 0.25f) >>> 16));
        data.putLong(7);
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"step\":\"12\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[24,40]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,1,2],\"data_offsets\":[40,48]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[48,52]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[52,60]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.capacity()).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data.array()).array();
    }

    @Test void safetensorsReader() {
        byte[] valid = smallSafetensors();
        fuzz("tensors.safetensors", 3000, safetensorsMutator(valid), file -> {
            SafeTensorsFile read = SafeTensors.read(file);
            for (String name : read.names()) {
                try {
                    read.shape(name);
                    read.floats(name);
                } catch (IllegalArgumentException documented) {
                    // a rank-0 or empty tensor has no Shape; an integer tensor is not read as float
                }
            }
        }, List.of(SafeTensorsException.class, MemoryLimitException.class));
    }

    @Test void checkpointReader() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("conv1.weight", new TensorData(Shape.of(2, 3, 3, 3), new float[54]));
        tensors.put("momentum.conv1.weight", new TensorData(Shape.of(2, 3, 3, 3), new float[54]));
        Path checkpoint = dir.resolve("valid-checkpoint.safetensors");
        CheckpointFile.write(checkpoint, tensors, Map.of("state.epoch", "3", "state.step", "120"));
        byte[] valid = Files.readAllBytes(checkpoint);
        fuzz("checkpoint.safetensors", 1500, safetensorsMutator(valid), CheckpointFile::read, List.of(SafeTensorsException.class, MemoryLimitException.class));
    }

    @Test void modelFileReader() throws IOException {
        TrainedModel model = ModelFilesTest.model(AlexNet.Variant.PAPER, 67);
        Path weights = dir.resolve("valid-weights.safetensors");
        try (Backend backend = Backends.create("reference"); Sequential network = AlexNet.create(backend, model.config(), 3)) {
            ModelFiles.save(weights, network.weights(), model);
        }
        byte[] valid = Files.readAllBytes(weights);
        fuzz("weights.safetensors", 400, safetensorsMutator(valid), ModelFiles::read,
                List.of(IOException.class, IllegalArgumentException.class, MemoryLimitException.class));
    }

    // ---- images -----------------------------------------------------------------------------------

    private static byte[] image(String format, int type) throws IOException {
        BufferedImage image = new BufferedImage(24, 16, type);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 24; x++) image.setRGB(x, y, (x * 10) << 16 | (y * 15) << 8 | (x + y) * 5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), format);
        return out.toByteArray();
    }

    @Test void imageDecoder() throws IOException {
        for (String format : List.of("png", "jpeg", "bmp", "gif")) {
            int type = format.equals("gif") ? BufferedImage.TYPE_BYTE_INDEXED : BufferedImage.TYPE_INT_RGB;
            byte[] valid = image(format, type);
            fuzz("image." + format, 600, random -> mutate(valid, random, Math.min(valid.length, 128)), file -> ImageDecoder.decode(file, IMAGE_PIXELS),
                    List.of(DataException.class));
        }
    }
}
