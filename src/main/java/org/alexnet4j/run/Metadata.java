// The metadata codec of weights files and checkpoints: typed keys, each spelled once for the writer and the reader.
package org.alexnet4j.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A metadata map (string to string, as safetensors stores it) read and written through {@link Key}s. A
 * key carries its name, how a value is written, how it is read back and which values are valid, so a
 * writer's {@code put(KEY, value)} and a reader's {@code get(KEY)} cannot drift apart. Every read failure
 * names the file and the key.
 */
final class Metadata {
    /**
     * One entry: {@code format} writes a value; {@code parse} reads it back and returns null when the
     * text is not a valid value, which {@code expected} then describes ("an integer >= 0").
     */
    record Key<T>(String name, Function<T, String> format, Function<String, T> parse, String expected) {
        /** The same key, refusing values for which {@code valid} is false (described by {@code expected}). */
        Key<T> where(java.util.function.Predicate<T> valid, String expected) {
            return new Key<>(name, format, text -> {
                T value = parse.apply(text);
                return value != null && valid.test(value) ? value : null;
            }, expected);
        }
    }

    static Key<String> text(String name) { return new Key<>(name, s -> s, s -> s, "text"); }

    /** An integer of at least {@code minimum}. */
    static Key<Integer> integer(String name, int minimum) {
        return new Key<>(name, i -> Integer.toString(i), parsing(Integer::valueOf), "an integer")
                .where(i -> i >= minimum, "an integer >= " + minimum);
    }

    /** A long integer of at least {@code minimum}. */
    static Key<Long> longInteger(String name, long minimum) {
        return new Key<>(name, i -> Long.toString(i), parsing(Long::valueOf), "an integer")
                .where(i -> i >= minimum, "an integer >= " + minimum);
    }

    /** A float, written in its shortest exact decimal form (so it reads back bit for bit); NaN and infinities allowed. */
    static Key<Float> single(String name) { return new Key<>(name, f -> Float.toString(f), parsing(Float::valueOf), "a number"); }

    /** A double, written in its shortest exact decimal form; NaN and infinities allowed. */
    static Key<Double> decimal(String name) { return new Key<>(name, d -> Double.toString(d), parsing(Double::valueOf), "a number"); }

    /** Exactly {@code count} finite floats, comma-separated. */
    static Key<float[]> floats(String name, int count) {
        return new Key<>(name, Metadata::join, text -> {
            String[] parts = text.split(",", -1);
            if (parts.length != count) return null;
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                Float v = parsing(Float::valueOf).apply(parts[i]);
                if (v == null || !Float.isFinite(v)) return null;
                values[i] = v;
            }
            return values;
        }, count + " finite comma-separated numbers");
    }

    /** One of an enum's constants, written in lower case. */
    static <E extends Enum<E>> Key<E> choice(String name, Class<E> type) {
        return new Key<>(name, e -> e.name().toLowerCase(java.util.Locale.ROOT), text -> {
            for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(text)) return e;
            return null;
        }, "one of " + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).toList());
    }

    private final Map<String, String> values;
    private final String file;

    /** An empty map to write into. */
    Metadata() { this(new LinkedHashMap<>(), "metadata"); }

    /** The metadata of {@code file} (named in messages), to read from. */
    Metadata(Map<String, String> values, String file) {
        this.values = new LinkedHashMap<>(values);
        this.file = file;
    }

    String file() { return file; }

    <T> Metadata put(Key<T> key, T value) {
        values.put(key.name(), key.format().apply(value));
        return this;
    }

    /** Adds every entry of {@code other}. */
    Metadata putAll(Metadata other) {
        values.putAll(other.values);
        return this;
    }

    boolean has(Key<?> key) { return values.containsKey(key.name()); }

    <T> T get(Key<T> key) {
        String text = values.get(key.name());
        if (text == null) throw new IllegalArgumentException(file + ": metadata has no '" + key.name() + "'");
        T value = key.parse().apply(text);
        if (value == null) throw invalid(key, "is '" + abbreviated(text) + "', expected " + key.expected());
        return value;
    }

    /** The entries in the order they were put. */
    Map<String, String> values() { return Collections.unmodifiableMap(values); }

    IllegalArgumentException invalid(Key<?> key, String problem) {
        return new IllegalArgumentException(file + ": metadata '" + key.name() + "' " + problem);
    }

    /** A number parser that returns null instead of throwing on malformed text, and for text with surrounding blanks (which Java's parsers allow). */
    private static <T> Function<String, T> parsing(Function<String, T> parser) {
        return text -> {
            if (!text.strip().equals(text)) return null;
            try {
                return parser.apply(text);
            } catch (NumberFormatException e) {
                return null;
            }
        };
    }

    private static String join(float[] values) {
        StringBuilder b = new StringBuilder();
        for (float v : values) b.append(b.isEmpty() ? "" : ",").append(v);
        return b.toString();
    }

    private static String abbreviated(String text) { return text.length() <= 60 ? text : text.substring(0, 57) + "..."; }
}
