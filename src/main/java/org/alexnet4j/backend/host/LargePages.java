package org.alexnet4j.backend.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Large host buffers on 2 MiB transparent huge pages where Linux allows it: the host backends' tensors
 * ({@link HostStorage}) and the cpu backend's prepared filters. Weights, transformed filters and activations are
 * streamed whole at every step; on 4 KiB pages each page costs a translation and the hardware prefetchers stop at
 * every page boundary (a batch-1 fc6 read its 151 MB of weights about 7% faster on huge pages, bench/RESULTS.md),
 * and a fresh buffer costs a page fault per 4 KiB (244 MB of weights took 0.8-1.6 s to allocate and zero, 45 ms
 * now).
 *
 * <p>A buffer of at least {@link #SIZE} bytes is its own anonymous mapping (zero-filled by the kernel), aligned to
 * SIZE and advised MADV_HUGEPAGE before anything touches it, so that its pages are faulted in 2 MiB at a time;
 * the mapping is unmapped when the arena closes, and the segment covers exactly the bytes asked for, so every
 * access stays bounds-checked. Elsewhere (not Linux, no native access for this module,
 * {@code -Dalexnet4j.largePages=false}, or a failed mapping) the buffer comes from the arena as before; the
 * kernel may also decline the advice. Either way only speed changes, never contents or bounds.
 */
public final class LargePages {
    /** The transparent huge page size, and the least buffer that gets a mapping of its own. */
    public static final long SIZE = 2L << 20;
    /** The system property that turns large pages off ({@code false}); on by default. */
    public static final String PROPERTY = "alexnet4j.largePages";
    private static final int PROT_READ_WRITE = 0x3, MAP_PRIVATE_ANONYMOUS = 0x22, MADV_HUGEPAGE = 14;
    /** The system calls a mapping takes. */
    private record Calls(MethodHandle mmap, MethodHandle munmap, MethodHandle madvise) {}
    /** null where large pages are not used. */
    private static final Calls CALLS = calls();

    private LargePages() {}

    /** Whether buffers of at least {@link #SIZE} bytes get huge-page mappings of their own in this JVM. */
    public static boolean enabled() { return CALLS != null; }

    /**
     * A zero-filled segment of {@code bytes}, aligned to {@code alignment}, freed when {@code arena} closes; from
     * {@link #SIZE} bytes (where {@link #enabled}) on its own huge-page mapping, aligned to SIZE.
     */
    public static MemorySegment allocate(Arena arena, long bytes, long alignment) {
        if (CALLS == null || bytes < SIZE || alignment > SIZE) return arena.allocate(bytes, alignment);
        long pages = Math.addExact(bytes, SIZE - 1) & -SIZE, length = pages + SIZE; // room to start on a huge page
        MemorySegment mapping = (MemorySegment) call("mmap", CALLS.mmap(), MemorySegment.NULL, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        if (mapping.address() == -1L) return arena.allocate(bytes, alignment); // MAP_FAILED: the arena reports what is short
        MemorySegment start = MemorySegment.ofAddress((mapping.address() + SIZE - 1) & -SIZE);
        call("madvise", CALLS.madvise(), start, pages, MADV_HUGEPAGE); // a hint: declined, the pages stay small
        try {
            return start.reinterpret(bytes, arena, unused -> call("munmap", CALLS.munmap(), mapping, length));
        } catch (RuntimeException e) { // the arena closed meanwhile: nothing holds the mapping
            call("munmap", CALLS.munmap(), mapping, length);
            throw e;
        }
    }

    /** One system call's result (the int ones' is ignored: they only fail where the arguments are wrong). */
    private static Object call(String name, MethodHandle function, Object... arguments) {
        try {
            return function.invokeWithArguments(arguments);
        } catch (Throwable e) {
            throw new IllegalStateException(name + " failed", e);
        }
    }

    private static Calls calls() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true")) || !System.getProperty("os.name", "").startsWith("Linux")
                || !LargePages.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        Linker linker = Linker.nativeLinker();
        var lookup = linker.defaultLookup();
        var mmap = lookup.find("mmap");
        var munmap = lookup.find("munmap");
        var madvise = lookup.find("madvise");
        if (mmap.isEmpty() || munmap.isEmpty() || madvise.isEmpty()) return null;
        ValueLayout address = ValueLayout.ADDRESS, size = ValueLayout.JAVA_LONG, integer = ValueLayout.JAVA_INT;
        return new Calls(linker.downcallHandle(mmap.get(), FunctionDescriptor.of(address, address, size, integer, integer, integer, size)),
                linker.downcallHandle(munmap.get(), FunctionDescriptor.of(integer, address, size)),
                linker.downcallHandle(madvise.get(), FunctionDescriptor.of(integer, address, size, integer)));
    }
}
