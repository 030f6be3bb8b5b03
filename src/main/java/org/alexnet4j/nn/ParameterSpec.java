package org.alexnet4j.nn;

import org.alexnet4j.tensor.Shape;

/** One named tensor a layer owns (a parameter or a buffer such as a running mean): its name, shape and initial values. */
public record ParameterSpec(String name, Shape shape, Init init) {
    public ParameterSpec {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a parameter needs a name");
    }

    /** The same spec under the full name {@code <layer>.<name>}. */
    ParameterSpec qualified(String layer) { return new ParameterSpec(layer + "." + name, shape, init); }
}
