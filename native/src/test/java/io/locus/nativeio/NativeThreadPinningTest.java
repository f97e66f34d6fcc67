package io.locus.nativeio;

import static io.locus.nativeio.NativeTestSupport.assumeLibraryLoaded;
import static io.locus.nativeio.NativeTestSupport.onFreshThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.locus.runtime.ThreadPinning;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class NativeThreadPinningTest {
    @Test
    void shouldReturnThreadPinningWhenLoadedByReflection() throws Exception {
        Object pinning = Class.forName("io.locus.nativeio.NativeThreadPinning").getMethod("instance").invoke(null);

        assertInstanceOf(ThreadPinning.class, pinning);
    }

    @Test
    void shouldPinWhenCpuIsUsable() throws Exception {
        assumeLibraryLoaded();
        int cpu = Affinity.currentAffinity().nextSetBit(0);

        int ranOn = onFreshThread(() -> {
            assertTrue(NativeThreadPinning.instance().pinCurrentThread(cpu));
            return Affinity.currentCpu();
        });

        assertEquals(cpu, ranOn);
    }

    @Test
    void shouldReturnFalseWhenCpuIsInvalid() throws Exception {
        ThreadPinning pinning = NativeThreadPinning.instance();

        onFreshThread(() -> {
            assertFalse(pinning.pinCurrentThread(-1));
            assertFalse(pinning.pinCurrentThread(9999));
            return null;
        });
    }

    @Test
    void shouldReturnFalseWhenCalledOnVirtualThread() throws InterruptedException {
        AtomicBoolean pinned = new AtomicBoolean(true);
        Thread.ofVirtual().start(() -> pinned.set(NativeThreadPinning.instance().pinCurrentThread(0))).join();

        assertFalse(pinned.get());
    }

    @Test
    void shouldNeverPinAndNameCauseWhenLibraryIsUnavailable() {
        ThreadPinning pinning = NativeThreadPinning.forCause(Optional.of("no gcc"));

        assertFalse(pinning.pinCurrentThread(0));
        assertTrue(pinning.toString().contains("no gcc"), pinning.toString());
    }
}
