package org.alexnet4j.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker threads of one cpu backend. {@link #forEach} runs tasks 0..count-1 on the calling thread
 * (worker 0) and size()-1 helper threads, each worker taking the next task as it frees up; a task knows its
 * worker index so it can use that worker's scratch memory. A call made while another is running (a task
 * that itself asks for parallelism, or a second thread using the same backend) throws: it would share
 * a running worker's scratch.
 *
 * <p>An idle helper spins for {@link #SPIN_NANOS} before it parks, and so does the caller waiting for the
 * helpers: a forward runs dozens of loops microseconds apart, and waking a parked thread costs several
 * microseconds per loop (tens on a virtual machine), as long as a small op takes.
 */
final class WorkerPool implements AutoCloseable {
    /** One task: {@code worker} in [0, size()) identifies the thread running it. */
    interface Task { void run(int worker, int task); }

    /** How long an idle thread waits for the next loop (or for the helpers) spinning, before it parks. */
    static final long SPIN_NANOS = 50_000;

    /**
     * One loop: helpers 1..helpers may take part. {@code members} counts the helpers inside it; the caller, its own
     * share done, seals it (adds {@link #SEALED}) and waits for those inside only: a helper that comes later stays out
     * (every task is taken by then), so the caller never waits for a parked helper to wake.
     */
    private record Loop(Task task, int count, int helpers, AtomicInteger next, AtomicInteger members,
                        AtomicReference<Throwable> failure, Thread caller) {}

    private static final int SEALED = 1 << 30;

    private final int size;
    private final Thread[] helpers;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The latest loop; a helper that misses one (asleep until it was sealed) has no share of it to miss. */
    private volatile Loop loop;
    private volatile boolean closed;

    WorkerPool(int size) {
        this.size = size;
        this.helpers = new Thread[Math.max(0, size - 1)];
        for (int w = 1; w < size; w++) {
            int worker = w;
            helpers[w - 1] = Thread.ofPlatform().name("alexnet4j-cpu-" + w).daemon().start(() -> help(worker));
        }
    }

    int size() { return size; }

    /** Runs every task in [0, count) once, in parallel; returns when all are done and rethrows the first failure. */
    void forEach(int count, Task task) {
        if (count <= 0) return;
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("cpu backend: a parallel loop started while another is running (a task that starts one, "
                    + "or two threads on one backend instance; a backend serves one thread at a time)");
        }
        int helping = Math.min(size, count) - 1;
        try {
            if (helping == 0) {
                for (int i = 0; i < count; i++) task.run(0, i);
                return;
            }
            Loop l = new Loop(task, count, helping, new AtomicInteger(), new AtomicInteger(), new AtomicReference<>(), Thread.currentThread());
            loop = l;
            for (int w = 0; w < helping; w++) LockSupport.unpark(helpers[w]); // cheap when it is not parked
            try {
                drain(0, l);
            } catch (RuntimeException | Error e) {
                l.next.set(count);
                l.failure.compareAndSet(null, e);
            }
            l.members.getAndAdd(SEALED);
            long spinEnd = System.nanoTime() + SPIN_NANOS;
            while (l.members.get() != SEALED) {
                if (System.nanoTime() < spinEnd) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            Throwable failure = l.failure.get();
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException("cpu backend worker failed", failure);
        } finally {
            busy.set(false);
        }
    }

    private static void drain(int worker, Loop l) {
        for (int i = l.next.getAndIncrement(); i < l.count; i = l.next.getAndIncrement()) l.task.run(worker, i);
    }

    /** Helper {@code worker}'s life: wait for a new loop, take its share if it takes part, count itself out. */
    private void help(int worker) {
        Loop seen = null;
        while (true) {
            Loop l = loop;
            long spinEnd = System.nanoTime() + SPIN_NANOS;
            while (l == seen && !closed) {
                if (System.nanoTime() < spinEnd) Thread.onSpinWait();
                else LockSupport.park(this);
                l = loop;
            }
            if (closed) return;
            seen = l;
            if (worker > l.helpers || !enter(l)) continue;
            try {
                drain(worker, l);
            } catch (Throwable e) {
                l.next.set(l.count);
                l.failure.compareAndSet(null, e);
            }
            if (l.members.decrementAndGet() == SEALED) LockSupport.unpark(l.caller);
        }
    }

    /** Counts a helper into l unless the caller has sealed it. */
    private static boolean enter(Loop l) {
        for (int m = l.members.get(); (m & SEALED) == 0; m = l.members.get()) {
            if (l.members.compareAndSet(m, m + 1)) return true;
        }
        return false;
    }

    @Override public void close() {
        closed = true;
        for (Thread t : helpers) LockSupport.unpark(t);
    }
}
