// One class of a classification result.
package org.alexnet4j;

/** A class name, its label index, and its probability in [0, 1]. */
public record Prediction(String className, int label, float probability) {
    @Override public String toString() { return String.format(java.util.Locale.ROOT, "%s %.2f%%", className, 100 * probability); }
}
