package org.alexnet4j.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.alexnet4j.backend.Backend;

/** A backend that counts the calls of each op by name and passes every call on to another backend. */
public final class CountingBackend {
    private CountingBackend() {}

    /** The wrapped backend; {@code counts} receives op name -> calls. */
    public static Backend wrap(Backend backend, Map<String, Integer> counts) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
            counts.merge(method.getName(), 1, Integer::sum);
            try {
                return method.invoke(backend, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    public static Map<String, Integer> counts() { return new ConcurrentHashMap<>(); }
}
