package org.alexnet4j.backend.cpu;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker threads of one cpu backend. {@link #forEach} runs tasks 0..count-1 on the calling thread
 * (worker 0) and size()-1 pool threads, each worker taking the next task as it frees up; a task knows its
 * worker index so it can use that worker's scratch memory. A call made while another is running (a task
 * that itself asks for parallelism, or a second thread using the same backend) throws: it would share
 * a running worker's scratch.
 */
final class WorkerPool implements AutoCloseable {
    /** One task: {@code worker} in [0, size()) identifies the thread running it. */
    interface Task { void run(int worker, int task); }

    private final int size;
    private final ExecutorService executor;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final Future<?>[] pending;

    WorkerPool(int size) {
        this.size = size;
        AtomicInteger next = new AtomicInteger(1);
        this.executor = size > 1 ? Executors.newFixedThreadPool(size - 1, r -> {
            Thread t = new Thread(r, "alexnet4j-cpu-" + next.getAndIncrement());
            t.setDaemon(true);
            return t;
        }) : null;
        this.pending = new Future<?>[Math.max(0, size - 1)];
    }

    int size() { return size; }

    /** Runs every task in [0, count) once, in parallel; returns when all are done and rethrows the first failure. */
    void forEach(int count, Task task) {
        if (count <= 0) return;
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("cpu backend: a parallel loop started while another is running (a task that starts one, "
                    + "or two threads on one backend instance; a backend serves one thread at a time)");
        }
        int helpers = Math.min(size, count) - 1;
        try {
            if (helpers == 0) {
                for (int i = 0; i < count; i++) task.run(0, i);
                return;
            }
            AtomicInteger next = new AtomicInteger();
            for (int w = 1; w <= helpers; w++) {
                int worker = w;
                pending[w - 1] = executor.submit(() -> drain(worker, count, next, task));
            }
            Throwable failure = null;
            try {
                drain(0, count, next, task);
            } catch (RuntimeException | Error e) {
                next.set(count);
                failure = e;
            }
            for (int w = 0; w < helpers; w++) {
                try {
                    pending[w].get();
                } catch (ExecutionException e) {
                    if (failure == null) failure = e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (failure == null) failure = e;
                }
                pending[w] = null;
            }
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException("cpu backend worker failed", failure);
        } finally {
            busy.set(false);
        }
    }

    private static void drain(int worker, int count, AtomicInteger next, Task task) {
        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) task.run(worker, i);
    }

    @Override public void close() {
        if (executor != null) executor.shutdownNow();
    }
}
