package org.alexnet4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The worker pool runs each task once, and refuses a loop started inside another (it would share a running worker's scratch). */
class WorkerPoolTest {
    @Test
    void everyTaskRunsOnceOnAWorkerOfThePool() {
        try (WorkerPool pool = new WorkerPool(3)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(100);
            pool.forEach(100, (worker, task) -> {
                assertTrue(worker >= 0 && worker < 3, "worker " + worker);
                runs.incrementAndGet(task);
            });
            for (int i = 0; i < 100; i++) assertEquals(1, runs.get(i), "task " + i);
        }
    }

    @Test
    void aLoopStartedInsideATaskThrows() {
        for (int size : new int[] {1, 3}) {
            try (WorkerPool pool = new WorkerPool(size)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forEach(4, (worker, task) -> pool.forEach(2, (w, t) -> {})));
                assertTrue(e.getMessage().contains("another is running"), e.getMessage());
                int[] after = new int[1];
                pool.forEach(1, (worker, task) -> after[0]++);
                assertEquals(1, after[0], "the pool still works after refusing");
            }
        }
    }
}
