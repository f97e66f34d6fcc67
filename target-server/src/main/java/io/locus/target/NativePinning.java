package io.locus.target;

import io.locus.nativeio.NativeThreadPinning;
import io.locus.runtime.ThreadPinning;

/** The native CPU pinning; where the library cannot load, reactors run unpinned and the reason is logged once. */
final class NativePinning {
    private NativePinning() {
    }

    static ThreadPinning load() {
        return NativeThreadPinning.instance();
    }
}
