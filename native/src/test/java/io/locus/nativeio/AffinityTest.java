package io.locus.nativeio;

import static io.locus.nativeio.NativeTestSupport.assumeLibraryLoaded;
import static io.locus.nativeio.NativeTestSupport.onFreshThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AffinityTest {
    @BeforeEach
    void requireLibrary() {
        assumeLibraryLoaded();
    }

    @Test
    void shouldRunOnCpu0WhenPinnedToCpu0() throws Exception {
        assumeTrue(Affinity.currentAffinity().get(0), "CPU 0 is outside this process's affinity");

        int cpu = onFreshThread(() -> {
            assertTrue(Affinity.pinCurrentThread(0));
            return Affinity.currentCpu();
        });

        assertEquals(0, cpu);
    }

    @Test
    void shouldRunOnlyOnThatCpuWhenPinnedToEachOnlineCpu() throws Exception {
        CpuTopology topology = CpuTopology.read();
        BitSet usable = topology.onlineCpus();
        usable.and(Affinity.currentAffinity());
        assertFalse(usable.isEmpty());

        for (int cpu : usable.stream().toArray()) {
            BitSet expected = new BitSet();
            expected.set(cpu);
            onFreshThread(() -> {
                assertTrue(Affinity.pinCurrentThread(cpu), "pin to " + cpu);
                assertEquals(cpu, Affinity.currentCpu());
                assertEquals(expected, Affinity.currentAffinity());
                assertEquals(topology.nodeOf(cpu), Affinity.currentNode());
                return null;
            });
        }
    }

    @Test
    void shouldReportSetWhenPinnedToSeveralCpus() throws Exception {
        BitSet allowed = Affinity.currentAffinity();

        onFreshThread(() -> {
            assertTrue(Affinity.pinCurrentThread(allowed));
            assertEquals(allowed, Affinity.currentAffinity());
            assertTrue(allowed.get(Affinity.currentCpu()));
            return null;
        });
    }

    @Test
    void shouldReturnFalseAndKeepAffinityWhenCpuDoesNotExist() throws Exception {
        onFreshThread(() -> {
            BitSet before = Affinity.currentAffinity();
            assertFalse(Affinity.pinCurrentThread(9999));
            assertFalse(Affinity.pinCurrentThread(Affinity.MAX_CPUS));
            assertFalse(Affinity.pinCurrentThread(Integer.MAX_VALUE));
            assertEquals(before, Affinity.currentAffinity());
            return null;
        });
    }

    @Test
    void shouldThrowWhenCpuIsNegativeOrSetIsEmptyOrTooLarge() {
        assertThrows(IllegalArgumentException.class, () -> Affinity.pinCurrentThread(-1));
        assertThrows(IllegalArgumentException.class, () -> Affinity.pinCurrentThread(new BitSet()));
        BitSet tooLarge = new BitSet();
        tooLarge.set(Affinity.MAX_CPUS);
        assertThrows(IllegalArgumentException.class, () -> Affinity.pinCurrentThread(tooLarge));
    }

    @Test
    void shouldIncludeCurrentCpuWhenReadingAffinity() {
        BitSet affinity = Affinity.currentAffinity();

        assertTrue(affinity.get(Affinity.currentCpu()), affinity.toString());
        assertTrue(Affinity.currentNode() >= 0);
    }

    @Test
    void shouldRefuseWhenCalledOnVirtualThread() throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                Affinity.pinCurrentThread(0);
            } catch (Throwable t) {
                thrown.set(t);
            }
        }).join();

        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
    }
}
