package io.locus.nativeio;

import io.locus.runtime.ThreadPinning;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The {@link ThreadPinning} that reactors use, backed by {@link Affinity}. The target and the initiator depend on this
 * module and call {@link #instance()}.
 */
public final class NativeThreadPinning implements ThreadPinning {
    private static final Logger LOG = Logger.getLogger(NativeThreadPinning.class.getName());
    private static final NativeThreadPinning INSTANCE = new NativeThreadPinning();

    private NativeThreadPinning() {
    }

    /**
     * Pinning through the native library, or, when it cannot load, a pinning that always answers false
     * ({@link NativeLibrary} has then logged why, once).
     */
    public static ThreadPinning instance() {
        return forCause(NativeLibrary.unavailabilityCause());
    }

    static ThreadPinning forCause(Optional<String> unavailabilityCause) {
        return unavailabilityCause.<ThreadPinning>map(Unavailable::new).orElse(INSTANCE);
    }

    /**
     * Pins the calling thread; false for a negative, absent or offline CPU or a virtual thread. Never throws: an
     * unexpected kernel error is logged and answered false, so a reactor runs unpinned rather than not at all.
     */
    @Override
    public boolean pinCurrentThread(int cpu) {
        if (cpu < 0 || Thread.currentThread().isVirtual()) {
            return false;
        }
        try {
            return Affinity.pinCurrentThread(cpu);
        } catch (IllegalStateException e) {
            LOG.warning("cannot pin " + Thread.currentThread().getName() + " to CPU " + cpu + ": " + e.getMessage());
            return false;
        }
    }

    @Override
    public String toString() {
        return "native thread pinning";
    }

    private record Unavailable(String cause) implements ThreadPinning {
        @Override
        public boolean pinCurrentThread(int cpu) {
            return false;
        }

        @Override
        public String toString() {
            return "no thread pinning (" + cause + ")";
        }
    }
}
