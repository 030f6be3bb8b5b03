package org.alexnet4j.backend.cpu;

import static org.alexnet4j.testing.HostTensors.download;
import static org.alexnet4j.testing.HostTensors.gaussian;
import static org.alexnet4j.testing.HostTensors.upload;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import org.alexnet4j.backend.Backend;
import org.alexnet4j.backend.BackendOptions;
import org.alexnet4j.backend.Backends;
import org.alexnet4j.backend.CpuOptions;
import org.alexnet4j.tensor.Shape;
import org.alexnet4j.tensor.Tensor;
import org.alexnet4j.testing.Approx;
import org.junit.jupiter.api.Test;

/** Each cpu backend instance computes with its own options: two in one JVM with different GEMM blocking sum in different blocks. */
class CpuInstanceOptionsTest {
    /** y = x w^T with 200 images (a wide product), 600 deep: one depth block by default, five of 120 with kc = 128. */
    private static float[] product(Backend backend) {
        try (Tensor x = upload(backend, Shape.of(200, 600), gaussian(1, 200 * 600, 1)); Tensor w = upload(backend, Shape.of(70, 600), gaussian(2, 70 * 600, 1));
             Tensor y = backend.allocate(Shape.of(200, 70))) {
            backend.linearForward(y, x, w, null);
            return download(backend, y);
        }
    }

    @Test
    void eachInstanceComputesWithItsOwnGemmBlocking() {
        assumeTrue(CpuConfig.VECTOR, "the blocking is the Vector API GEMM's");
        BackendOptions options = BackendOptions.defaults().withThreads(2);
        CpuOptions.GemmBlocking shallow = new CpuOptions.GemmBlocking(128, 256, 576, 640 << 10);
        try (Backend reference = Backends.create("reference"); Backend standard = Backends.create("cpu", options);
             Backend blocked = Backends.create("cpu", options.withCpu(options.cpu().withGemm(shallow)))) {
            float[] expected = product(reference), a = product(standard), b = product(blocked);
            Approx.assertClose("default blocking", expected, a, 8 * 0x1p-24 * 600, 1e-5);
            Approx.assertClose("kc = 128", expected, b, 8 * 0x1p-24 * 600, 1e-5);
            assertFalse(Arrays.equals(a, b), "five depth blocks round differently from one");
        }
    }
}
