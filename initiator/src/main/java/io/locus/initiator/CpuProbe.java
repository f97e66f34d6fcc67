package io.locus.initiator;

import io.locus.nativeio.Affinity;
import io.locus.nativeio.NativeLibrary;

/**
 * The CPU the calling platform thread runs on, for the per-flow CPU samples. The native library is loaded on first
 * use (once per JVM, a few milliseconds); where it cannot load, {@link #AVAILABLE} is false and nothing is sampled.
 * One call is one JNI call to {@code sched_getcpu()}; see {@code CpuProbeCost} in the tests for what it costs.
 */
final class CpuProbe {
    static final boolean AVAILABLE = NativeLibrary.isAvailable();

    private CpuProbe() {
    }

    /** The current CPU, or -1 when it cannot be read (no native library, or a virtual thread). */
    static int currentCpu() {
        if (!AVAILABLE || Thread.currentThread().isVirtual()) {
            return -1;
        }
        return Affinity.currentCpu();
    }
}
