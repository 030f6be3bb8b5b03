package org.alexnet4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;

/**
 * The one table every arena layout comes from: named specs in order, each at the first offset (in floats)
 * after the previous one that is a multiple of {@link #ALIGNMENT_FLOATS}, so every view starts 256-byte aligned
 * in an aligned arena (as cuDNN and cuBLAS want their operands; the padding stays zero). Parameters, gradients
 * and velocity use the same table, so the same name is at the same offset in each of their arenas.
 */
public final class ParameterTable {
    /** One row: a spec and where it starts in the arena, in floats. */
    public record Entry(ParameterSpec spec, long offset) {
        public String name() { return spec.name(); }

        public Shape shape() { return spec.shape(); }

        public long size() { return spec.shape().size(); }
    }

    /** Each entry starts at a multiple of 64 floats = 256 bytes. */
    public static final int ALIGNMENT_FLOATS = 64;

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final long totalFloats, parameterCount;

    public ParameterTable(List<ParameterSpec> specs) {
        List<Entry> list = new ArrayList<>();
        Map<String, Entry> map = new LinkedHashMap<>();
        long offset = 0;
        for (ParameterSpec spec : specs) {
            Entry entry = new Entry(spec, offset);
            if (map.putIfAbsent(spec.name(), entry) != null) throw new IllegalArgumentException("two parameters are named " + spec.name());
            list.add(entry);
            offset += (spec.shape().size() + ALIGNMENT_FLOATS - 1) / ALIGNMENT_FLOATS * ALIGNMENT_FLOATS;
        }
        this.entries = Collections.unmodifiableList(list);
        this.byName = Collections.unmodifiableMap(map);
        this.totalFloats = offset;
        this.parameterCount = list.stream().mapToLong(Entry::size).sum();
    }

    public List<Entry> entries() { return entries; }

    /** The number of values in the entries (the arena less its alignment padding). */
    public long parameterCount() { return parameterCount; }

    /** The arena's length in floats: every entry's size, each rounded up to {@link #ALIGNMENT_FLOATS}. */
    public long totalFloats() { return totalFloats; }

    /**
     * The shape of one arena of this table, ({@link #totalFloats()}); throws naming the count when that exceeds
     * one tensor's length ({@link Integer#MAX_VALUE} floats). {@code what} names the entries in the message.
     */
    public Shape arenaShape(String what) {
        if (totalFloats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the network has %,d %s; one arena holds at most %,d",
                    parameterCount, what, Integer.MAX_VALUE));
        }
        return Shape.of((int) totalFloats);
    }

    /** The entry called {@code name}; throws listing the known names when there is none. */
    public Entry entry(String name) {
        Entry entry = byName.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'; known: "
                    + entries.stream().map(Entry::name).collect(Collectors.joining(", ")));
        }
        return entry;
    }

    public boolean contains(String name) { return byName.containsKey(name); }

    /** Every entry as a view of {@code arena} (which must be {@link #totalFloats()} long), by name, in table order. */
    public Map<String, Tensor> views(Tensor arena) {
        if (arena.size() != totalFloats) throw new IllegalArgumentException("arena of " + arena.size() + " floats for a table of " + totalFloats);
        Map<String, Tensor> views = new LinkedHashMap<>();
        for (Entry e : entries) views.put(e.name(), arena.view(e.offset(), e.shape()));
        return Collections.unmodifiableMap(views);
    }
}
