package io.locus.runtime;

/**
 * Pins the calling thread to a CPU. The native library supplies the real implementation; until it is loaded
 * (or where it cannot load) pinning is a no-op that reports why once.
 */
public interface ThreadPinning {
    /** Pins the calling thread; returns false when it could not. */
    boolean pinCurrentThread(int cpu);

    ThreadPinning NONE = cpu -> false;
}
