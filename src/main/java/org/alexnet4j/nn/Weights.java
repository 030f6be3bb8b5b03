package org.alexnet4j.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.ShapeException;
import org.alexnet4j.tensor.Tensor;

/**
 * An architecture's parameters and buffers on one backend: ONE parameter arena and ONE buffer arena (none
 * when the architecture has no buffers), split into named views at the offsets of
 * {@link Architecture#parameters()} and {@link Architecture#buffers()}. Plans read them; training updates them.
 */
public final class Weights implements AutoCloseable {
    private final Backend backend;
    private final Architecture architecture;
    private final Tensor parameterArena, bufferArena;
    private final Map<String, Tensor> parameters, buffers, state;

    /** Allocates the arenas (zero-filled) for {@code architecture} on {@code backend}. */
    public Weights(Backend backend, Architecture architecture) {
        ParameterTable table = architecture.parameters(), bufferTable = architecture.buffers();
        if (table.totalFloats() == 0) throw new IllegalArgumentException("a network needs at least one parameter");
        this.backend = backend;
        this.architecture = architecture;
        this.parameterArena = backend.allocate(table.arenaShape("parameters"));
        this.bufferArena = bufferTable.totalFloats() == 0 ? null : backend.allocate(bufferTable.arenaShape("buffer values"));
        this.parameters = table.views(parameterArena);
        this.buffers = bufferArena == null ? Map.of() : bufferTable.views(bufferArena);
        Map<String, Tensor> all = new LinkedHashMap<>(parameters);
        all.putAll(buffers);
        this.state = java.util.Collections.unmodifiableMap(all);
    }

    public Backend backend() { return backend; }

    public Architecture architecture() { return architecture; }

    /** Sets every parameter and buffer from its initializer, entry i drawn with a seed derived from (seed, i). */
    public void initialize(long seed) {
        initialize(architecture.parameters(), parameters, seed);
        initialize(architecture.buffers(), buffers, seed);
    }

    private void initialize(ParameterTable table, Map<String, Tensor> views, long seed) {
        List<ParameterTable.Entry> entries = table.entries();
        for (int i = 0; i < entries.size(); i++) {
            ParameterTable.Entry e = entries.get(i);
            backend.copyFromHost(views.get(e.name()), e.spec().init().sample(e.spec().shape(), CounterRng.bits(seed, i)), 0);
        }
    }

    /** All parameters in one allocation, in the order of {@link Architecture#parameters()}. */
    public Tensor parameterArena() { return parameterArena; }

    /** Parameter views by full name ({@code conv1.weight}), in arena order. */
    public Map<String, Tensor> parameters() { return parameters; }

    /** Buffer views by full name ({@code bn1.running_mean}); empty when the architecture has none. */
    public Map<String, Tensor> buffers() { return buffers; }

    /** Every parameter then every buffer, by name: what a weight file holds. */
    public Map<String, Tensor> state() { return state; }

    /** A host copy of the parameter or buffer called {@code name}. */
    public float[] read(String name) {
        Tensor t = find(name);
        float[] values = new float[Math.toIntExact(t.size())];
        backend.copyToHost(values, 0, t);
        return values;
    }

    /** Sets the parameter or buffer called {@code name} from host values of shape {@code shape}; throws naming it when the shape differs. */
    public void write(String name, Shape shape, float[] values) {
        Tensor t = find(name);
        if (!shape.equals(t.shape())) throw new ShapeException("parameter " + name + ": expected shape " + t.shape() + ", given " + shape);
        if (values.length != shape.size()) throw new IllegalArgumentException("parameter " + name + ": shape " + shape + " needs " + shape.size() + " values, given " + values.length);
        backend.copyFromHost(t, values, 0);
    }

    private Tensor find(String name) {
        Tensor t = state.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter or buffer named '" + name + "'; known: " + String.join(", ", state.keySet()));
        return t;
    }

    /** Declares the parameters and buffers constant from now on ({@link Backend#freeze}): a loaded model's, for inference. */
    public void freeze() {
        backend.freeze(parameterArena);
        if (bufferArena != null) backend.freeze(bufferArena);
    }

    @Override public void close() {
        parameterArena.close();
        if (bufferArena != null) bufferArena.close();
    }
}
