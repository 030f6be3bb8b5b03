package org.alexnet4j.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's FP32 fused-multiply-add peak as the JVM reaches it: every core runs 12 independent FMA
 * chains on the preferred vector species (enough to cover FMA latency x pipes). The score is in FLOP/s
 * (ops/s with one op = one FLOP), summed over all threads: the ceiling SGEMM is measured against.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(Threads.MAX)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class FmaPeakBenchmark {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int STEPS = 100_000, CHAINS = 12;
    /** FLOPs of one call: steps x chains x lanes x 2 (multiply and add). */
    static final int FLOPS_PER_CALL = STEPS * CHAINS * 16 * 2;

    private float x = 1f, y = 0.5f;

    /** With x = 1 and y = 0.5 every lane of every chain counts up by 0.5 per step (exact in float): the result is known. */
    @Setup public void check() {
        if (SPECIES.length() != 16) throw new IllegalStateException("FLOPS_PER_CALL assumes 16 float lanes; this CPU prefers " + SPECIES.length());
        float expected = CHAINS * SPECIES.length() * 0.5f * STEPS;
        float got = fma();
        if (got != expected) throw new IllegalStateException("FMA chains computed " + got + ", expected " + expected);
    }

    @Benchmark
    @OperationsPerInvocation(FLOPS_PER_CALL)
    public float fma() {
        FloatVector vx = FloatVector.broadcast(SPECIES, x), vy = FloatVector.broadcast(SPECIES, y);
        FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < STEPS; i++) {
            a0 = a0.fma(vx, vy); a1 = a1.fma(vx, vy); a2 = a2.fma(vx, vy); a3 = a3.fma(vx, vy);
            a4 = a4.fma(vx, vy); a5 = a5.fma(vx, vy); a6 = a6.fma(vx, vy); a7 = a7.fma(vx, vy);
            a8 = a8.fma(vx, vy); a9 = a9.fma(vx, vy); a10 = a10.fma(vx, vy); a11 = a11.fma(vx, vy);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
