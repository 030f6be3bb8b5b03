package org.alexnet4j.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.MemoryLimitException;

/** A backend that counts the calls of each op by name and passes every call on to another backend. */
public final class CountingBackend {
    private CountingBackend() {}

    /** The wrapped backend; {@code counts} receives op name -> calls. */
    public static Backend wrap(Backend backend, Map<String, Integer> counts) { return wrap(backend, counts, Long.MAX_VALUE); }

    /** The same, with {@link Backend#requireMemory} refusing more than {@code memoryBytes} at once. */
    public static Backend wrap(Backend backend, Map<String, Integer> counts, long memoryBytes) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
            counts.merge(method.getName(), 1, Integer::sum);
            if (method.getName().equals("requireMemory") && (long) args[1] > memoryBytes) {
                throw new MemoryLimitException(args[0] + " needs " + args[1] + " bytes, more than the " + memoryBytes + " this backend has");
            }
            try {
                return method.invoke(backend, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    public static Map<String, Integer> counts() { return new ConcurrentHashMap<>(); }
}
