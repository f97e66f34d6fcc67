package io.locus.nativeio;

import java.util.BitSet;

/**
 * CPU locality of the calling thread: pin it, and ask where it runs.
 *
 * <p>These act on the OS thread under the caller, so they refuse virtual threads (pinning a carrier would pin
 * whatever virtual thread runs on it next). Every method throws {@link IllegalStateException} when
 * {@link NativeLibrary#isAvailable()} is false.
 */
public final class Affinity {
    /** CPU ids at or above this are never valid: far above any kernel's {@code CONFIG_NR_CPUS}. */
    public static final int MAX_CPUS = 1 << 16;

    private Affinity() {
    }

    /**
     * Pins the calling thread to one CPU.
     *
     * @return false when the kernel refuses: the CPU is offline, absent or outside this process's cpuset
     * @throws IllegalArgumentException when {@code cpu} is negative
     */
    public static boolean pinCurrentThread(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must be >= 0: " + cpu);
        }
        if (cpu >= MAX_CPUS) {
            return false;
        }
        BitSet cpus = new BitSet(cpu + 1);
        cpus.set(cpu);
        return pinCurrentThread(cpus);
    }

    /**
     * Lets the calling thread run only on {@code cpus}.
     *
     * @return false when the kernel finds no usable CPU in the set
     * @throws IllegalArgumentException when the set is empty or names a CPU at or above {@link #MAX_CPUS}
     */
    public static boolean pinCurrentThread(BitSet cpus) {
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("empty CPU set");
        }
        if (cpus.length() > MAX_CPUS) {
            throw new IllegalArgumentException("CPU " + (cpus.length() - 1) + " is above the limit of " + MAX_CPUS);
        }
        requireNativeThread();
        return setAffinity0(0, cpus.toLongArray());
    }

    /**
     * Lets another OS thread of this process (a task id from {@code /proc/self/task}) run only on {@code cpus}; used to
     * keep the JVM's own threads (JIT compilers, GC workers) off the CPUs reserved for reactors.
     *
     * @return false when the thread has exited or the kernel finds no usable CPU in the set
     * @throws IllegalArgumentException when {@code tid} is not positive, the set is empty or names a CPU at or above
     *                                  {@link #MAX_CPUS}
     */
    public static boolean pinThread(int tid, BitSet cpus) {
        if (tid <= 0) {
            throw new IllegalArgumentException("thread id must be > 0: " + tid);
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("empty CPU set");
        }
        if (cpus.length() > MAX_CPUS) {
            throw new IllegalArgumentException("CPU " + (cpus.length() - 1) + " is above the limit of " + MAX_CPUS);
        }
        NativeLibrary.ensureAvailable();
        return setAffinity0(tid, cpus.toLongArray());
    }

    /** The CPU the calling thread is running on right now (it may move unless pinned). */
    public static int currentCpu() {
        requireNativeThread();
        return currentCpu0();
    }

    /** The NUMA node of the CPU the calling thread is running on right now. */
    public static int currentNode() {
        requireNativeThread();
        return currentNode0();
    }

    /** The CPUs the calling thread may run on. */
    public static BitSet currentAffinity() {
        requireNativeThread();
        return BitSet.valueOf(affinity0());
    }

    private static void requireNativeThread() {
        NativeLibrary.ensureAvailable();
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("CPU affinity is meaningless on a virtual thread");
        }
    }

    private static native boolean setAffinity0(int tid, long[] mask);

    private static native int currentCpu0();

    private static native int currentNode0();

    private static native long[] affinity0();
}
