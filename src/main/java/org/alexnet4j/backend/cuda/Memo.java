package org.alexnet4j.backend.cuda;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A thread-safe cache of an expensive function: each key is computed once per process, also when several
 * threads ask at once (the others wait for it); a computation that throws is not cached, so it is retried.
 */
final class Memo<K, V> {
    private final Function<K, V> compute;
    private final ConcurrentHashMap<K, V> values = new ConcurrentHashMap<>();

    Memo(Function<K, V> compute) { this.compute = compute; }

    V get(K key) { return values.computeIfAbsent(key, compute); }
}
