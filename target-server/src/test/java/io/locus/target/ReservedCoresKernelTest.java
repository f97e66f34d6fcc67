package io.locus.target;

import io.locus.nativeio.CpuTopology;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ReservedCoresKernelTest {
    @Test
    void shouldNameTheReservedCpusTheKernelDidNotIsolate() {
        assertEquals("Reserved CPUs 0,3 are not isolated (isolcpus=, cpuset partition): kernel threads and interrupts"
                        + " still run there and preempt their reactors (README, \"Reactors and provenance\")",
                ReservedCores.kernelSharing(CpuTopology.parseCpuList("0,2-3"), CpuTopology.parseCpuList("1-2")));
        assertEquals("Reserved CPUs 0 are not isolated (isolcpus=, cpuset partition): kernel threads and interrupts"
                        + " still run there and preempt their reactors (README, \"Reactors and provenance\")",
                ReservedCores.kernelSharing(CpuTopology.parseCpuList("0"), CpuTopology.parseCpuList("")));
    }

    @Test
    void shouldSayNothingWhenEveryReservedCpuIsIsolated() {
        assertNull(ReservedCores.kernelSharing(CpuTopology.parseCpuList("2-5"), CpuTopology.parseCpuList("1-7")));
    }
}
