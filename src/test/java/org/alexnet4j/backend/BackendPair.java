package org.alexnet4j.backend;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.alexnet4j.testing.HostTensors;

/**
 * The reference backend and one backend under test side by side: every tensor exists on both with the
 * same seeded contents, every op runs on both, and results are compared element-wise with the reference.
 */
final class BackendPair implements AutoCloseable {
    static final String REFERENCE = "reference";

    /** Every known backend except the reference, available or not (unavailable ones are skipped with their reason). */
    static Stream<String> candidates() {
        return Backends.providers().stream().map(BackendProvider::name).filter(n -> !n.equals(REFERENCE));
    }

    /** A pair with {@code name} as the candidate; skips the test (JUnit assumption) when it cannot run here. */
    static BackendPair open(String name) {
        BackendProvider provider = Backends.providers().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
        BackendProvider.Availability availability = provider.availability();
        assumeTrue(availability.available(), () -> "backend " + name + " is not available here: " + availability.reason());
        return new BackendPair(Backends.create(REFERENCE), Backends.create(name));
    }

    /** One logical tensor, present on both backends. */
    record Twin(Tensor reference, Tensor candidate) {
        Tensor on(Backend b, BackendPair pair) { return b == pair.reference ? reference : candidate; }
        Shape shape() { return reference.shape(); }
    }

    final Backend reference;
    final Backend candidate;
    private final List<Tensor> owned = new ArrayList<>();

    private BackendPair(Backend reference, Backend candidate) {
        this.reference = reference;
        this.candidate = candidate;
    }

    Twin of(Shape shape, float[] values) {
        Tensor r = reference.allocate(shape), c = candidate.allocate(shape);
        owned.add(r);
        owned.add(c);
        reference.copyFromHost(r, values, 0);
        candidate.copyFromHost(c, values, 0);
        return new Twin(r, c);
    }

    Twin gaussian(Shape shape, long seed) { return of(shape, HostTensors.gaussian(seed, shape.size(), 1)); }

    Twin zeros(Shape shape) { return of(shape, new float[Math.toIntExact(shape.size())]); }

    /** Runs the same op on both backends; the op gets the backend and picks each twin's tensor with {@code on}. */
    void run(Consumer<Backend> op) {
        op.accept(reference);
        op.accept(candidate);
    }

    Tensor on(Twin t, Backend b) { return t.on(b, this); }

    /** |candidate - reference| <= atol + rtol*|reference| for every element. */
    void assertClose(String what, Twin t, double atol, double rtol) {
        Approx.assertClose(candidate.name() + " " + what, HostTensors.download(reference, t.reference()), HostTensors.download(candidate, t.candidate()), atol, rtol);
    }

    @Override public void close() {
        for (Tensor t : owned) t.close();
        reference.close();
        candidate.close();
    }
}
