package org.alexnet4j.backend;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.alexnet4j.testing.BackendAvailability;
import org.alexnet4j.testing.HostTensors;
import org.junit.jupiter.api.function.Executable;

/**
 * The reference backend and one backend under test side by side: every tensor exists on both with the
 * same seeded contents, every op runs on both, and results are compared element-wise with the reference.
 * Comparisons are expectations: each is checked when made, and all of a test's failures are reported together
 * when the pair closes (JUnit's assertAll), each naming the backend, the op and tensor, its shape, the worst
 * element with both values and the tolerance, so one wrong op does not hide the state of the others.
 */
final class BackendPair implements AutoCloseable {
    static final String REFERENCE = "reference";

    /**
     * Every known backend except the reference, available or not (see {@link BackendAvailability}: unavailable
     * ones are skipped with their reason, or fail where required; -Dalexnet4j.test.backends selects some).
     */
    static Stream<String> candidates() {
        return BackendAvailability.selected(Backends.providers().stream().map(BackendProvider::name).filter(n -> !n.equals(REFERENCE)));
    }

    /** A pair with {@code name} as the candidate; skips the test (or fails it, where required) when it cannot run here. */
    static BackendPair open(String name) { return open(name, BackendOptions.defaults()); }

    /** As {@link #open(String)}, the candidate created with {@code options} (the reference with the defaults). */
    static BackendPair open(String name, BackendOptions options) {
        BackendAvailability.assumeAvailable(name);
        return new BackendPair(Backends.create(REFERENCE), Backends.create(name, options));
    }

    /** One logical tensor, present on both backends. */
    record Twin(Tensor reference, Tensor candidate) {
        Tensor on(Backend b, BackendPair pair) { return b == pair.reference ? reference : candidate; }
        Shape shape() { return reference.shape(); }
    }

    final Backend reference;
    final Backend candidate;
    private final List<Tensor> owned = new ArrayList<>();
    /** The failure message of every expectation that did not hold, in the order made. */
    private final List<String> failures = new ArrayList<>();

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

    /** Expects |candidate - reference| <= atol + rtol*|reference| for every element of t (checked at close). */
    void expectClose(String what, Twin t, double atol, double rtol) {
        expect(Approx.mismatch(candidate.name() + " " + what, t.shape(), Approx.toDoubles(HostTensors.download(reference, t.reference())),
                Approx.toDoubles(HostTensors.download(candidate, t.candidate())), atol, rtol));
    }

    /** Expects |candidate - reference| <= allowed[i] for every element i of t (checked at close). */
    void expectWithin(String what, Twin t, double[] allowed) {
        expect(Approx.mismatch(candidate.name() + " " + what, t.shape(), Approx.toDoubles(HostTensors.download(reference, t.reference())),
                Approx.toDoubles(HostTensors.download(candidate, t.candidate())), allowed, 0));
    }

    /** Expects |actual - expected| <= tolerance for a scalar result (checked at close). */
    void expectClose(String what, double expected, double actual, double tolerance) {
        if (!(Math.abs(actual - expected) <= tolerance)) {
            expect(String.format("%s %s: expected %.8g got %.8g (tolerance %.3g)", candidate.name(), what, expected, actual, tolerance));
        }
    }

    private void expect(String failure) { if (failure != null) failures.add(failure); }

    /** Fails with every unmet expectation so far, each as its own failure of one assertAll. */
    void verify() {
        List<Executable> each = failures.stream().<Executable>map(message -> () -> fail(message)).toList();
        failures.clear();
        assertAll(candidate.name() + " against " + REFERENCE, each);
    }

    /** Frees everything, then reports the unmet expectations. */
    @Override public void close() {
        for (Tensor t : owned) t.close();
        reference.close();
        candidate.close();
        verify();
    }
}
