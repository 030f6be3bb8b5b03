package org.alexnet4j.bench;

import java.util.concurrent.TimeUnit;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.benchmark.ThroughputBenchmark;
import org.alexnet4j.model.AlexNet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole AlexNet (1000 classes, 227x227): an evaluation forward or a training step (forward, backward, SGD)
 * of one batch, including the copy of the batch in. img/s = batch / time. Setup runs
 * {@link ThroughputBenchmark.Session#check()} (finite loss, two forwards identical), then steps until the
 * backend has settled its per-shape choices ({@link ThroughputBenchmark.Session#warmUp}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 4)
public class NetworkBenchmark {
    @Param({"single-tower", "paper"}) public String variant;
    @Param({"forward", "train"}) public String mode;
    @Param({"1", "64"}) public int batch;
    @Param({"cpu"}) public String backend;

    private Backend engine;
    private ThroughputBenchmark.Session session;

    @Setup(Level.Trial) public void setUp() {
        engine = Backends.create(backend);
        session = new ThroughputBenchmark.Session(engine, AlexNet.Config.of(AlexNet.Variant.parse(variant)),
                ThroughputBenchmark.Mode.parse(mode), batch, 1);
        session.check();
        session.warmUp(0, 0);
    }

    @Benchmark public float step() {
        float loss = session.step();
        engine.synchronize();
        return loss;
    }

    @TearDown(Level.Trial) public void tearDown() {
        session.close();
        engine.close();
    }
}
