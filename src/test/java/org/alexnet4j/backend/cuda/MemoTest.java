package org.alexnet4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache behind "NVRTC compiles the kernels once per process and architecture", with a stand-in compiler. */
class MemoTest {
    @Test void eachKeyIsComputedOnceAlsoWhenThreadsAskTogether() throws Exception {
        AtomicInteger compilations = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        Memo<String, byte[]> cubins = new Memo<>(architecture -> {
            compilations.incrementAndGet();
            return architecture.getBytes();
        });
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String architecture = i % 2 == 0 ? "sm_90" : "sm_80";
                results.add(pool.submit(() -> { start.await(); return cubins.get(architecture); }));
            }
            start.countDown();
            for (int i = 0; i < results.size(); i++) assertSame(cubins.get(i % 2 == 0 ? "sm_90" : "sm_80"), results.get(i).get());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, compilations.get(), "one compilation per architecture");
    }

    @Test void aFailedComputationIsRetried() {
        AtomicInteger calls = new AtomicInteger();
        Memo<String, String> memo = new Memo<>(key -> {
            if (calls.incrementAndGet() == 1) throw new CudaException("nvrtcCompileProgram failed");
            return key;
        });
        assertThrows(CudaException.class, () -> memo.get("sm_90"));
        assertEquals("sm_90", memo.get("sm_90"));
        assertEquals(2, calls.get());
    }
}
