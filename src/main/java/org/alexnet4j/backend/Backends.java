package org.alexnet4j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/** Finds backends by name (reference, cpu, cuda) or picks the best available one ("auto"). */
public final class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class.getName());
    public static final String AUTO = "auto";

    private Backends() {}

    /** Every backend on the class path, best first, available or not. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return all;
    }

    /** The names of the backends that can run on this machine, best first. */
    public static List<String> available() {
        return providers().stream().filter(p -> p.availability().available()).map(BackendProvider::name).toList();
    }

    /** Creates the backend called {@code name} ("auto" = the best available, with a log line saying why). */
    public static Backend create(String name, BackendOptions options) {
        List<BackendProvider> all = providers();
        if (AUTO.equals(name)) {
            StringBuilder skipped = new StringBuilder();
            for (BackendProvider p : all) {
                BackendProvider.Availability a = p.availability();
                if (a.available()) {
                    LOG.info("backend auto: chose " + p.name() + (skipped.isEmpty() ? "" : " (" + skipped + ")"));
                    return create(p, options);
                }
                skipped.append(skipped.isEmpty() ? "" : "; ").append(p.name()).append(" unavailable: ").append(a.reason());
            }
            throw new IllegalStateException("no backend is available: " + skipped);
        }
        BackendProvider p = provider(name);
        BackendProvider.Availability a = p.availability();
        if (!a.available()) throw new IllegalStateException("backend '" + name + "' is not available here: " + a.reason());
        return create(p, options);
    }

    /** The backend called {@code name}, available or not; throws IllegalArgumentException naming the known ones. */
    public static BackendProvider provider(String name) {
        List<BackendProvider> all = providers();
        return all.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException("unknown backend '"
                + name + "'; known: " + all.stream().map(BackendProvider::name).collect(Collectors.joining(", ")) + ", " + AUTO));
    }

    public static Backend create(String name) { return create(name, BackendOptions.defaults()); }

    /** Refuses a precision or device the backend does not have (never computes in another one silently). */
    private static Backend create(BackendProvider p, BackendOptions options) {
        if (!p.precisions().contains(options.precision())) {
            throw new IllegalArgumentException("backend '" + p.name() + "' cannot compute in " + options.precision().id() + "; it supports "
                    + p.precisions().stream().sorted().map(BackendOptions.Precision::id).collect(Collectors.joining(", ")));
        }
        if (options.device() >= p.deviceCount()) {
            throw new IllegalArgumentException("backend '" + p.name() + "' has no device " + options.device() + " (devices here: " + p.deviceCount() + ")");
        }
        return p.create(options);
    }
}
