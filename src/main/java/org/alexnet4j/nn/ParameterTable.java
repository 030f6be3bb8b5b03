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
 * The one table every arena layout comes from: named specs in order, each at an offset (in floats) just
 * after the previous one. Parameters, gradients and velocity use the same table, so the same name is
 * at the same offset in each of their arenas.
 */
public final class ParameterTable {
    /** One row: a spec and where it starts in the arena, in floats. */
    public record Entry(ParameterSpec spec, long offset) {
        public String name() { return spec.name(); }

        public Shape shape() { return spec.shape(); }

        public long size() { return spec.shape().size(); }
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final long totalFloats;

    public ParameterTable(List<ParameterSpec> specs) {
        List<Entry> list = new ArrayList<>();
        Map<String, Entry> map = new LinkedHashMap<>();
        long offset = 0;
        for (ParameterSpec spec : specs) {
            Entry entry = new Entry(spec, offset);
            if (map.putIfAbsent(spec.name(), entry) != null) throw new IllegalArgumentException("two parameters are named " + spec.name());
            list.add(entry);
            offset += spec.shape().size();
        }
        this.entries = Collections.unmodifiableList(list);
        this.byName = Collections.unmodifiableMap(map);
        this.totalFloats = offset;
    }

    public List<Entry> entries() { return entries; }

    /** The sum of every entry's size: the arena's length in floats. */
    public long totalFloats() { return totalFloats; }

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
