// Typed reading of safetensors metadata strings, with errors that name the file and the key.
package org.alexnet4j.run;

import java.util.Map;

/** Reads values of a metadata map; every failure says which file and which key is wrong. */
record Metadata(Map<String, String> values, String file) {
    String get(String key) {
        String value = values.get(key);
        if (value == null) throw new IllegalArgumentException(file + ": metadata has no '" + key + "'");
        return value;
    }

    int integer(String key) {
        try {
            return Integer.parseInt(get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "is not an integer: '" + get(key) + "'");
        }
    }

    long longInteger(String key) {
        try {
            return Long.parseLong(get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "is not an integer: '" + get(key) + "'");
        }
    }

    double decimal(String key) {
        try {
            return Double.parseDouble(get(key));
        } catch (NumberFormatException e) {
            throw invalid(key, "is not a number: '" + get(key) + "'");
        }
    }

    float[] floats(String key, int count) {
        String[] parts = get(key).split(",");
        if (parts.length != count) throw invalid(key, "has " + parts.length + " numbers, expected " + count);
        float[] values = new float[count];
        try {
            for (int i = 0; i < count; i++) values[i] = Float.parseFloat(parts[i]);
        } catch (NumberFormatException e) {
            throw invalid(key, "is not a list of numbers");
        }
        return values;
    }

    IllegalArgumentException invalid(String key, String problem) {
        return new IllegalArgumentException(file + ": metadata '" + key + "' " + problem);
    }
}
