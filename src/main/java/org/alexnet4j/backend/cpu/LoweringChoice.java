package org.alexnet4j.backend.cpu;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.backend.cpu.Convolution.Geometry;
import org.alexnet4j.backend.cpu.Convolution.Lowering;

/**
 * Picks the fastest {@link Lowering} per convolution shape and direction by measurement: the direction's
 * candidates take turns, the first {@link #WARMUP} calls of each untimed (the JIT may still be compiling it),
 * the next {@link #TRIALS} timed per image, then the one with the lowest best time runs from then on. Direct
 * is a candidate only where its row tiles ({@link GemmKernels#NR} floats) leave at most a quarter of their lanes
 * idle (at 512 bits conv1's 55-wide rows: 9 of 64; 13-wide rows would leave 19 of 32 idle and take twice as long). The choice changes speed only:
 * the lowerings give bit-identical results (a resumed training run repeats the uninterrupted one bit for bit,
 * whichever lowering each measured). The lowering setting ({@link CpuOptions.Lowering}) can fix one and skip
 * the measurement (direct is forward-only: the filter gradient then takes implicit). Inputs too large
 * for the heap copies always take im2col.
 */
final class LoweringChoice {
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

        /** Calls of one shape in this direction until the choice is made, at most. */
        int callsToChoose() { return candidates.length * (WARMUP + TRIALS); }

        /** The candidates for g. */
        Lowering[] candidates(Geometry g) {
            int tiles = Gemm.ceilDiv(g.q(), GemmKernels.NR), idle = tiles * GemmKernels.NR - g.q();
            if (4 * idle <= tiles * GemmKernels.NR) return candidates;
            return Arrays.stream(candidates).filter(c -> c != Lowering.DIRECT).toArray(Lowering[]::new);
        }
    }

    private record Key(Geometry perImage, Direction direction) {}

    /** The candidates of one key, their trials so far, and the choice once made. */
    private static final class Trials {
        final Lowering[] candidates;
        final long[] best = new long[Lowering.values().length];
        int calls;
        Lowering chosen;

        Trials(Lowering[] candidates) {
            this.candidates = candidates;
            Arrays.fill(best, Long.MAX_VALUE);
        }
    }

    private final Lowering fixed;
    private final Map<Key, Trials> table = new ConcurrentHashMap<>();

    private LoweringChoice(Lowering fixed) { this.fixed = fixed; }

    static LoweringChoice measured() { return new LoweringChoice(null); }

    static LoweringChoice fixed(Lowering lowering) { return new LoweringChoice(lowering); }

    /** The choice a setting asks for: AUTO measures, the others fix one. */
    static LoweringChoice of(CpuOptions.Lowering setting) {
        return switch (setting) {
            case AUTO -> measured();
            case IM2COL -> fixed(Lowering.IM2COL);
            case IMPLICIT -> fixed(Lowering.IMPLICIT);
            case DIRECT -> fixed(Lowering.DIRECT);
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
                Lowering[] candidates = trials.candidates;
                if (trials.calls >= candidates.length * WARMUP) trials.best[i] = Math.min(trials.best[i], perImage);
                if (++trials.calls >= candidates.length * (WARMUP + TRIALS) && trials.chosen == null) {
                    Lowering fastest = candidates[0];
                    for (Lowering c : candidates) {
                        if (trials.best[c.ordinal()] < trials.best[fastest.ordinal()]) fastest = c;
                    }
                    trials.chosen = fastest;
                }
            }
        }
    }

    /** The lowering for a call on {@code g} (its batch size is the image count the time is divided by). */
    Pick pick(Geometry g, Direction direction) {
        if (!g.fitsHeapCopy()) return new Pick(Lowering.IM2COL, null, g.n());
        if (fixed != null) {
            Lowering lowering = Arrays.asList(direction.candidates).contains(fixed) ? fixed : Lowering.IMPLICIT;
            return new Pick(lowering, null, g.n());
        }
        Trials trials = table.computeIfAbsent(new Key(g.perImage(), direction), k -> new Trials(direction.candidates(g)));
        synchronized (trials) {
            if (trials.chosen != null) return new Pick(trials.chosen, null, g.n());
            return new Pick(trials.candidates[trials.calls % trials.candidates.length], trials, Math.max(1, g.n()));
        }
    }

    /** Whether a shape and direction met so far is still in its trials. */
    boolean open() { return table.size() > settled(); }

    /** How many shape-and-direction choices are made (their trials done). */
    int settled() {
        return (int) table.values().stream().filter(t -> {
            synchronized (t) {
                return t.chosen != null;
            }
        }).count();
    }
}
