package org.alexnet4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The worker pool runs each task once, with its helpers woken from their sleep; passes a helper's failure to the
 * caller; refuses a loop started inside another (it would share a running worker's scratch); and ends its threads
 * when closed.
 */
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

    /**
     * Both workers must meet inside the loop: a helper left parked (idle longer than its spin) would time the barrier
     * out; and the loop returns only after the helper's task, which finishes last, is done.
     */
    @Test
    void aParkedHelperIsWokenAndTakesPart() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int round = 0; round < 3; round++) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(WorkerPool.SPIN_NANOS) * 5 + 5);
                CyclicBarrier both = new CyclicBarrier(2);
                boolean[] met = new boolean[2];
                pool.forEach(2, (worker, task) -> {
                    try {
                        both.await(10, TimeUnit.SECONDS);
                        if (worker == 1) Thread.sleep(20);
                        met[worker] = true;
                    } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                        throw new IllegalStateException("the other worker never came", e);
                    }
                });
                assertTrue(met[0] && met[1], "round " + round);
            }
        }
    }

    @Test
    void aHelpersFailureReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            CountDownLatch helped = new CountDownLatch(1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.forEach(2, (worker, task) -> {
                if (worker == 1) {
                    helped.countDown();
                    throw new IllegalArgumentException("helper failed");
                }
                try {
                    // the caller's task waits for the helper, so that the helper takes one of the two
                    assertTrue(helped.await(10, TimeUnit.SECONDS), "the helper never came");
                } catch (InterruptedException ie) {
                    throw new IllegalStateException(ie);
                }
            }));
            assertEquals("helper failed", e.getMessage());
            int[] after = new int[1];
            pool.forEach(1, (worker, task) -> after[0]++);
            assertEquals(1, after[0], "the pool still works after a failure");
        }
    }

    @Test
    void closeEndsTheHelperThreads() throws InterruptedException {
        Set<Thread> before = helperThreads();
        WorkerPool pool = new WorkerPool(3);
        pool.forEach(10, (worker, task) -> {});
        Set<Thread> started = helperThreads();
        started.removeAll(before);
        assertEquals(2, started.size(), "two helpers");
        pool.close();
        for (Thread t : started) {
            t.join(10_000);
            assertTrue(!t.isAlive(), t.getName() + " still runs after close");
        }
    }

    private static Set<Thread> helperThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("alexnet4j-cpu-") && t.isAlive()) threads.add(t);
        }
        return threads;
    }
}
