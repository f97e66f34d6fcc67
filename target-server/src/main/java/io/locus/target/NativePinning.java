package io.locus.target;

import io.locus.runtime.ThreadPinning;

/**
 * Finds the native CPU-pinning implementation when the native module is on the class path; otherwise reactors run
 * unpinned and the reason is printed once.
 */
final class NativePinning {
    private NativePinning() {
    }

    static ThreadPinning load() {
        try {
            Class<?> c = Class.forName("io.locus.nativeio.NativeThreadPinning");
            return (ThreadPinning) c.getMethod("instance").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return ThreadPinning.NONE;
        }
    }
}
