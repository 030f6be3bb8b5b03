// How a new run's weights start: the paper's N(0, 0.01^2), or He et al.'s N(0, 2/fan_in) for narrow networks.
package org.alexnet4j.run;

import java.util.List;
import java.util.Locale;
import org.alexnet4j.backend.CounterRng;
import org.alexnet4j.nn.Init;
import org.alexnet4j.nn.ParameterTable;
import org.alexnet4j.nn.Sequential;

/**
 * PAPER keeps the network's own initialisation (weights N(0, 0.01^2), biases per the config). HE redraws
 * every conv and FC weight from N(0, 2/fan_in) (He et al. 2015; fan_in = in-channels/groups x R x S, or
 * in-features), keeping the biases: with 0.01 everywhere the input's signal shrinks about 5x per layer in
 * a narrow network (width multiplier 1/4), so the logits do not depend on the image and training stalls
 * for many epochs; He's scale keeps it O(1). Weight i (in parameter-table order) is drawn with seed
 * CounterRng.bits(seed ^ {@link #HE_STREAM}, i), so a run repeats exactly.
 */
public enum WeightInit {
    PAPER, HE;

    /** Separates He's draws from the network's own initialisation stream. */
    static final long HE_STREAM = 0x48654b61696d696eL;

    /** "paper" or "he", as written on the command line and in checkpoints. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static WeightInit parse(String id) {
        for (WeightInit w : values()) if (w.id().equals(id)) return w;
        throw new IllegalArgumentException("unknown weight init '" + id + "'; known: paper, he");
    }

    /** Applies this initialisation to a freshly built network. */
    public void apply(Sequential network, long seed) {
        if (this == PAPER) return;
        List<ParameterTable.Entry> entries = network.architecture().parameters().entries();
        for (int i = 0; i < entries.size(); i++) {
            ParameterTable.Entry e = entries.get(i);
            if (!e.name().endsWith(".weight") || e.shape().rank() < 2) continue; // conv and FC weights; not batch-norm scales
            long fanIn = e.size() / e.shape().dim(0);
            float[] values = new Init.Normal(0, Math.sqrt(2.0 / fanIn)).sample(Math.toIntExact(e.size()), CounterRng.bits(seed ^ HE_STREAM, i));
            network.write(e.name(), e.shape(), values);
        }
    }
}
