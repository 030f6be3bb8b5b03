// Proves the safetensors reader/writer: exact round trips, dtype conversion, and a clear rejection
// (naming the file and the tensor) of every malformed layout; each case writes its own bad file.
package org.alexnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.alexnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir Path dir;

    // ---- round trips ---------------------------------------------------------------------------

    @Test void roundTripKeepsInsertionOrderShapesBitsAndMetadata() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("zeta.weight", random(Shape.of(3, 2, 5, 5), random));
        tensors.put("alpha.bias", new TensorData(Shape.of(6), new float[] {
                Float.MIN_NORMAL / 3, -0.0f, Float.MAX_VALUE, Float.MIN_VALUE, -Float.MAX_VALUE, 1.0f / 3}));
        tensors.put("mid \"quoted\"\n\u00e9\ud83d\ude00", random(Shape.of(1, 7), random));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("step", "12");
        metadata.put("unicode \u03b1", "tab\there");
        Path path = dir.resolve("ok.safetensors");

        SafeTensors.write(path, tensors, metadata);
        SafeTensorsFile file = SafeTensors.read(path);

        assertEquals(List.copyOf(tensors.keySet()), file.names());
        assertEquals(metadata, file.metadata());
        assertEquals(List.copyOf(metadata.keySet()), List.copyOf(file.metadata().keySet()));
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            assertEquals(e.getValue().shape(), file.shape(e.getKey()));
            assertEquals(Dtype.F32, file.dtype(e.getKey()));
            float[] expected = e.getValue().data(), actual = file.floats(e.getKey());
            assertEquals(expected.length, actual.length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test void layoutIsLittleEndianWithAPaddedHeaderAndDataInInsertionOrder() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("b", new TensorData(Shape.of(2), new float[] {1.0f, -2.0f}));
        tensors.put("a", new TensorData(Shape.of(1), new float[] {0.5f}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(out, tensors, Map.of());
        ByteBuffer bytes = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);

        long headerLength = bytes.getLong(0);
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        String header = new String(out.toByteArray(), 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", header.strip());
        assertEquals(8 + headerLength + 12, out.size());
        int data = 8 + (int) headerLength;
        assertEquals(1.0f, bytes.getFloat(data));
        assertEquals(-2.0f, bytes.getFloat(data + 4));
        assertEquals(0.5f, bytes.getFloat(data + 8));
    }

    @Test void readsF64F16AndBF16AsFloat() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16 + 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(1.0 / 3).putDouble(-1e38);                              // F64: rounded
        data.putShort(Float.floatToFloat16(-2.25f)).putShort(Float.floatToFloat16(65504f)); // F16: exact
        data.putShort((short) (Float.floatToRawIntBits(1.5f) >>> 16)).putShort((short) (Float.floatToRawIntBits(-3e38f) >>> 16));
        Path path = raw("mixed", "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[20,24]}}", data.array());

        SafeTensorsFile file = SafeTensors.read(path);

        assertArrayEquals(new float[] {(float) (1.0 / 3), (float) -1e38}, file.floats("d"));
        assertArrayEquals(new float[] {-2.25f, 65504f}, file.floats("h"));
        assertArrayEquals(new float[] {1.5f, Float.intBitsToFloat(Float.floatToRawIntBits(-3e38f) & 0xffff0000)}, file.floats("b"));
        assertEquals(Shape.of(2, 1), file.shape("b"));
    }

    @Test void aNonFiniteValueInAnyFloatDtypeIsRejectedNamingTheTensorTheCountAndTheFirstIndex() throws IOException {
        ByteBuffer f32 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(Float.NaN).putFloat(Float.NaN);
        assertMessage(rejected(raw("f32", "{\"ok\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"fc8.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", f32.array())),
                dir.resolve("f32.safetensors"), "tensor 'fc8.weight' holds 2 non-finite values (the first, NaN at index [1, 0])");
        ByteBuffer f64 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(1e40); // finite in F64, infinite as float32
        assertMessage(rejected(raw("f64", "{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", f64.array())),
                dir.resolve("f64.safetensors"), "tensor 'd' holds 1 non-finite value (the first, Infinity at index [0])");
        ByteBuffer f16 = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0xfc00); // -inf
        assertMessage(rejected(raw("f16", "{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", f16.array())),
                dir.resolve("f16.safetensors"), "'h'", "-Infinity");
        ByteBuffer bf16 = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x7fc0); // NaN
        assertMessage(rejected(raw("bf16", "{\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", bf16.array())),
                dir.resolve("bf16.safetensors"), "'b'", "NaN");
        ByteBuffer ints = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN); // the same bits as an integer are fine
        SafeTensors.read(raw("i32", "{\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", ints.array()));
    }

    @Test void writerRefusesANonFiniteValueNamingTheTensor() {
        Map<String, TensorData> tensors = Map.of("conv1.bias", new TensorData(Shape.of(3), new float[] {0, Float.POSITIVE_INFINITY, 0}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(new ByteArrayOutputStream(), tensors, Map.of()));
        assertEquals("cannot save tensor 'conv1.bias' of shape (3): element 1 is Infinity", e.getMessage());
    }

    @Test void nonFloatDtypeIsRejectedWhenReadAsFloatNamingTensorAndDtype() throws IOException {
        Path path = raw("ints", "{\"step\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        SafeTensorsFile file = SafeTensors.read(path);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> file.floats("step"));
        assertMessage(e, path, "'step'", "I64");
    }

    @Test void unknownTensorNameListsTheNamesPresent() throws IOException {
        Path path = dir.resolve("one.safetensors");
        SafeTensors.write(path, Map.of("w", new TensorData(Shape.of(1), new float[1])), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(path).floats("v"));
        assertMessage(e, path, "'v'", "w");
    }

    @Test void writerRejectsTheMetadataKeyAsATensorName() {
        Map<String, TensorData> tensors = Map.of(SafeTensors.METADATA_KEY, new TensorData(Shape.of(1), new float[1]));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(new ByteArrayOutputStream(), tensors, Map.of()));
    }

    // ---- malformed files: each names the file and, where one is at fault, the tensor ----------

    @Test void fileShorterThanTheLengthFieldIsRejected() throws IOException {
        Path path = dir.resolve("short.safetensors");
        Files.write(path, new byte[] {1, 0, 0});
        assertMessage(rejected(path), path, "too short");
    }

    @Test void headerLengthBeyondTheFileIsRejected() throws IOException {
        Path path = dir.resolve("long-header.safetensors");
        byte[] header = "{}      ".getBytes(StandardCharsets.UTF_8);
        Files.write(path, concat(length(header.length + 100), header));
        assertMessage(rejected(path), path, "header length 108 exceeds");
    }

    @Test void absurdHeaderLengthIsRejected() throws IOException {
        for (long length : new long[] {-1L, 1L << 40}) {
            Path path = dir.resolve("absurd" + length + ".safetensors");
            Files.write(path, concat(length(length), "{}".getBytes(StandardCharsets.UTF_8)));
            assertMessage(rejected(path), path, "absurd", Long.toUnsignedString(length));
        }
    }

    @Test void malformedJsonIsRejectedWithItsPosition() throws IOException {
        String[] bad = {
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}",   // no closing brace
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,],\"data_offsets\":[0,4]}}", // trailing comma
            "{\"w\":{\"dtype\":'F32',\"shape\":[1],\"data_offsets\":[0,4]}}",   // single quotes
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", // leading zero
            "{\"w\\x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", // bad escape
            "{} {}",                                                              // two values
            "",                                                                   // empty header
        };
        for (int i = 0; i < bad.length; i++) {
            Path path = raw("json" + i, bad[i], new byte[4]);
            assertMessage(rejected(path), path, "malformed header JSON", "at character");
        }
    }

    @Test void headerThatIsNotUtf8OrNotAnObjectIsRejected() throws IOException {
        Path notUtf8 = dir.resolve("latin1.safetensors");
        byte[] header = {'{', '"', (byte) 0xe9, '"', ':', '1', '}', ' '};
        Files.write(notUtf8, concat(length(header.length), header));
        assertMessage(rejected(notUtf8), notUtf8, "UTF-8");

        Path array = raw("array", "[1, 2]", new byte[0]);
        assertMessage(rejected(array), array, "must be an object");
    }

    @Test void unknownDtypeIsRejected() throws IOException {
        Path path = raw("dtype", "{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertMessage(rejected(path), path, "'w'", "unknown dtype 'F33'");
    }

    @Test void missingOrUnknownFieldsAreRejected() throws IOException {
        Path missing = raw("missing", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]);
        assertMessage(rejected(missing), missing, "'w'", "shape");
        Path extra = raw("extra", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"stride\":[1]}}", new byte[4]);
        assertMessage(rejected(extra), extra, "'w'", "unknown field 'stride'");
        Path negative = raw("negative", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertMessage(rejected(negative), negative, "'w'", "non-negative");
    }

    @Test void shapeThatDisagreesWithTheOffsetsIsRejected() throws IOException {
        Path path = raw("size", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]);
        assertMessage(rejected(path), path, "'w'", "hold 20 bytes", "needs 24");
    }

    @Test void offsetsBeyondTheDataAreRejected() throws IOException {
        Path path = raw("range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[400,408]}}", new byte[12]);
        assertMessage(rejected(path), path, "'w'", "[400, 408]", "reach past the 12 bytes");
    }

    @Test void decreasingOffsetsAreRejected() throws IOException {
        Path path = raw("decreasing", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", new byte[4]);
        assertMessage(rejected(path), path, "'w'", "end before they begin");
    }

    @Test void overlappingTensorsAreRejected() throws IOException {
        Path path = raw("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        assertMessage(rejected(path), path, "'b'", "overlaps tensor 'a'");
    }

    @Test void gapsBetweenTensorsAreRejected() throws IOException {
        Path between = raw("gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]);
        assertMessage(rejected(between), between, "gap of 4 bytes", "'b'", "'a'");
        Path atStart = raw("gap-start", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        assertMessage(rejected(atStart), atStart, "gap of 4 bytes", "'a'");
        Path trailing = raw("trailing", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[7]);
        assertMessage(rejected(trailing), trailing, "3 trailing bytes");
    }

    @Test void truncatedDataIsRejected() throws IOException {
        Path path = dir.resolve("truncated.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("first", new TensorData(Shape.of(3), new float[3]));
        tensors.put("last", new TensorData(Shape.of(2, 2), new float[4]));
        SafeTensors.write(path, tensors, Map.of());
        byte[] whole = Files.readAllBytes(path);
        Files.write(path, Arrays.copyOf(whole, whole.length - 3));
        assertMessage(rejected(path), path, "'last'", "reach past", "truncated");
    }

    @Test void duplicateTensorNamesAreRejected() throws IOException {
        Path path = raw("duplicate", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        assertMessage(rejected(path), path, "duplicate key \"w\"");
    }

    @Test void metadataMustMapStringsToStrings() throws IOException {
        Path path = raw("metadata", "{\"__metadata__\":{\"epoch\":3},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertMessage(rejected(path), path, "__metadata__", "'epoch'");
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static TensorData random(Shape shape, SplittableRandom random) {
        float[] data = new float[(int) shape.size()];
        for (int i = 0; i < data.length; i++) data[i] = (float) random.nextGaussian();
        return new TensorData(shape, data);
    }

    /** A file with the given header text (as UTF-8) and data bytes, laid out as the format says. */
    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        Path path = dir.resolve(name + ".safetensors");
        Files.write(path, concat(concat(length(headerBytes.length), headerBytes), data));
        return path;
    }

    private static byte[] length(long n) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array(); }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static SafeTensorsException rejected(Path path) { return assertThrows(SafeTensorsException.class, () -> SafeTensors.read(path)); }

    private static void assertMessage(Exception e, Path path, String... parts) {
        String message = e.getMessage();
        assertTrue(message.contains(path.toString()), "message names the file: " + message);
        for (String part : parts) assertTrue(message.contains(part), "message contains <" + part + ">: " + message);
    }
}
