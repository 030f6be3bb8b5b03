package org.alexnet4j.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.alexnet4j.backend.BackendProvider;
import org.alexnet4j.backend.BackendProvider.Availability;
import org.alexnet4j.backend.Backends;

/**
 * Which backends the backend tests run on, and what happens when one cannot run here. By default a test of an
 * unavailable backend is skipped with the reason (a JUnit assumption). {@code -Dalexnet4j.requireCuda=true}
 * (set on the GPU machine) turns that into a failure carrying the load error, so a run whose cuda tests could
 * not start cannot pass. {@code -Dalexnet4j.test.backends=cuda,cpu} limits the suites to those backends.
 */
public final class BackendAvailability {
    public static final String REQUIRE_CUDA = "alexnet4j.requireCuda", ONLY = "alexnet4j.test.backends";

    private BackendAvailability() {}

    /** Skips (or, when required, fails) the calling test unless {@code name} can run here. */
    public static void assumeAvailable(String name) {
        BackendProvider provider = Backends.providers().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no backend named " + name + " on the class path"));
        check(name, provider.availability(), required());
    }

    /** The backends whose availability is an assertion: cuda under -Dalexnet4j.requireCuda=true. */
    static Set<String> required() { return Boolean.getBoolean(REQUIRE_CUDA) ? Set.of("cuda") : Set.of(); }

    /** Fails if {@code name} is required and unavailable, skips if it is only unavailable. */
    static void check(String name, Availability availability, Set<String> required) {
        if (availability.available()) return;
        String reason = "backend " + name + " is not available here: " + availability.reason();
        if (required.contains(name)) fail(reason + " (required by -D" + REQUIRE_CUDA + "=true)");
        assumeTrue(false, reason);
    }

    /** {@code names} less those left out by -Dalexnet4j.test.backends (unset: all of them). */
    public static Stream<String> selected(Stream<String> names) { return filter(names, System.getProperty(ONLY, "")); }

    static Stream<String> filter(Stream<String> names, String only) {
        if (only.isBlank()) return names;
        List<String> wanted = Arrays.stream(only.split(",")).map(String::strip).toList();
        List<String> all = names.toList();
        List<String> unknown = wanted.stream().filter(w -> !all.contains(w)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("-D" + ONLY + " names unknown backends " + unknown + "; known: "
                    + all.stream().collect(Collectors.joining(", ")));
        }
        return all.stream().filter(wanted::contains);
    }
}
