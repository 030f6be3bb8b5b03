package org.alexnet4j.backend.cpu;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.alexnet4j.backend.cpu.Convolution.Geometry;
import org.alexnet4j.backend.cpu.Convolution.Lowering;

/**
 * Picks the fastest {@link Lowering} per convolution shape and direction by measurement: the direction's
 * candidates take turns, the first {@link #WARMUP} calls of each untimed (the JIT is still compiling them),
 * the next {@link #TRIALS} timed per image, then the one with the lowest best time runs from then on. The
 * choice changes speed only: the lowerings give bit-identical results (a resumed training run repeats the
 * uninterrupted one bit for bit, whichever lowering each measured). {@code -Dalexnet4j.cpu.conv.lowering=im2col|implicit|direct} fixes one and skips the measurement
 * (direct is forward-only: the filter gradient then takes implicit). Inputs too large for the heap copies
 * always take im2col.
 */
final class LoweringChoice {
    static final String PROPERTY = "alexnet4j.cpu.conv.lowering";
    /** Untimed calls per candidate first: timed while the JIT compiles them, the first calls can favour the wrong one. */
    static final int WARMUP = 2;
    /** Timed calls per candidate before the choice is made. */
    static final int TRIALS = 3;

    /** The products a lowering feeds: forward (y from x) or backward-filter (dy * columns^T), with the lowerings each can take. */
    enum Direction {
        FORWARD(Lowering.IM2COL, Lowering.IMPLICIT, Lowering.DIRECT),
        FILTER(Lowering.IM2COL, Lowering.IMPLICIT);

        private final Lowering[] candidates;

        Direction(Lowering... candidates) { this.candidates = candidates; }

        /** Calls of one shape in this direction until the choice is made. */
        int callsToChoose() { return candidates.length * (WARMUP + TRIALS); }
    }

    private record Key(Geometry perImage, Direction direction) {}

    /** The trials so far of one key, and the choice once made. */
    private static final class Trials {
        final long[] best = new long[Lowering.values().length];
        int calls;
        Lowering chosen;

        Trials() { Arrays.fill(best, Long.MAX_VALUE); }
    }

    private final Lowering fixed;
    private final Map<Key, Trials> table = new ConcurrentHashMap<>();

    private LoweringChoice(Lowering fixed) { this.fixed = fixed; }

    static LoweringChoice measured() { return new LoweringChoice(null); }

    static LoweringChoice fixed(Lowering lowering) { return new LoweringChoice(lowering); }

    /** From -Dalexnet4j.cpu.conv.lowering: auto (or unset) measures, im2col, implicit or direct fixes. */
    static LoweringChoice fromSystemProperty() {
        String value = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "auto" -> measured();
            case "im2col" -> fixed(Lowering.IM2COL);
            case "implicit" -> fixed(Lowering.IMPLICIT);
            case "direct" -> fixed(Lowering.DIRECT);
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + ": expected auto, im2col, implicit or direct");
        };
    }

    /** One call's lowering; {@link Pick#done()} after the call records its time while the choice is open. */
    final class Pick {
        private final Lowering lowering;
        private final Trials trials;
        private final Direction direction;
        private final int images;
        private final long start = System.nanoTime();

        private Pick(Lowering lowering, Trials trials, Direction direction, int images) {
            this.lowering = lowering;
            this.trials = trials;
            this.direction = direction;
            this.images = images;
        }

        Lowering lowering() { return lowering; }

        void done() {
            if (trials == null) return;
            long perImage = (System.nanoTime() - start) / images;
            synchronized (trials) {
                int i = lowering.ordinal();
                if (trials.calls >= direction.candidates.length * WARMUP) trials.best[i] = Math.min(trials.best[i], perImage);
                if (++trials.calls >= direction.callsToChoose() && trials.chosen == null) {
                    Lowering fastest = direction.candidates[0];
                    for (Lowering c : direction.candidates) {
                        if (trials.best[c.ordinal()] < trials.best[fastest.ordinal()]) fastest = c;
                    }
                    trials.chosen = fastest;
                }
            }
        }
    }

    /** The lowering for a call on {@code g} (its batch size is the image count the time is divided by). */
    Pick pick(Geometry g, Direction direction) {
        if (!g.fitsHeapCopy()) return new Pick(Lowering.IM2COL, null, direction, g.n());
        if (fixed != null) {
            Lowering lowering = Arrays.asList(direction.candidates).contains(fixed) ? fixed : Lowering.IMPLICIT;
            return new Pick(lowering, null, direction, g.n());
        }
        Trials trials = table.computeIfAbsent(new Key(g.perImage(), direction), k -> new Trials());
        synchronized (trials) {
            if (trials.chosen != null) return new Pick(trials.chosen, null, direction, g.n());
            return new Pick(direction.candidates[trials.calls % direction.candidates.length], trials, direction, Math.max(1, g.n()));
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
