package org.alexnet4j.backend.cpu;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.alexnet4j.backend.cpu.Convolution.Geometry;
import org.alexnet4j.backend.cpu.Convolution.Lowering;

/**
 * Picks the faster {@link Lowering} per convolution shape and direction by measurement: the first
 * {@link #TRIALS} calls of each lowering alternate and are timed per image, then the one with the lower best
 * time runs from then on. Both lowerings give bit-identical results, so the choice changes speed only.
 * {@code -Dalexnet4j.cpu.conv.lowering=im2col|implicit} fixes one and skips the measurement. Inputs too
 * large for the implicit lowering's heap copy always take im2col.
 */
final class LoweringChoice {
    static final String PROPERTY = "alexnet4j.cpu.conv.lowering";
    /** Timed calls per lowering before the choice is made. */
    static final int TRIALS = 3;

    /** The products a lowering feeds: forward (w * columns) or backward-filter (dy * columns^T). */
    enum Direction { FORWARD, FILTER }

    private record Key(Geometry perImage, Direction direction) {}

    /** The trials so far of one key, and the choice once made. */
    private static final class Trials {
        final long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
        int calls;
        Lowering chosen;
    }

    private final Lowering fixed;
    private final Map<Key, Trials> table = new ConcurrentHashMap<>();

    private LoweringChoice(Lowering fixed) { this.fixed = fixed; }

    static LoweringChoice measured() { return new LoweringChoice(null); }

    static LoweringChoice fixed(Lowering lowering) { return new LoweringChoice(lowering); }

    /** From -Dalexnet4j.cpu.conv.lowering: auto (or unset) measures, im2col or implicit fixes. */
    static LoweringChoice fromSystemProperty() {
        String value = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "auto" -> measured();
            case "im2col" -> fixed(Lowering.IM2COL);
            case "implicit" -> fixed(Lowering.IMPLICIT);
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + ": expected auto, im2col or implicit");
        };
    }

    /** One call's lowering; {@link Pick#done()} after the call records its time while the choice is open. */
    final class Pick {
        private final Lowering lowering;
        private final Trials trials;
        private final int images;
        private final long start = System.nanoTime();

        private Pick(Lowering lowering, Trials trials, int images) {
            this.lowering = lowering;
            this.trials = trials;
            this.images = images;
        }

        Lowering lowering() { return lowering; }

        void done() {
            if (trials == null) return;
            long perImage = (System.nanoTime() - start) / images;
            synchronized (trials) {
                int i = lowering.ordinal();
                trials.best[i] = Math.min(trials.best[i], perImage);
                if (++trials.calls >= 2 * TRIALS && trials.chosen == null) {
                    trials.chosen = trials.best[Lowering.IMPLICIT.ordinal()] < trials.best[Lowering.IM2COL.ordinal()] ? Lowering.IMPLICIT : Lowering.IM2COL;
                }
            }
        }
    }

    /** The lowering for a call on {@code g} (its batch size is the image count the time is divided by). */
    Pick pick(Geometry g, Direction direction) {
        if (!g.fitsImplicit()) return new Pick(Lowering.IM2COL, null, g.n());
        if (fixed != null) return new Pick(fixed, null, g.n());
        Trials trials = table.computeIfAbsent(new Key(g.perImage(), direction), k -> new Trials());
        synchronized (trials) {
            if (trials.chosen != null) return new Pick(trials.chosen, null, g.n());
            return new Pick(Lowering.values()[trials.calls % 2], trials, Math.max(1, g.n()));
        }
    }

    /** How many shape-and-direction choices are made (their trials done). */
    int settled() {
        return (int) table.values().stream().filter(t -> {
            synchronized (t) {
                return t.chosen != null;
            }
        }).count();
    }
}
