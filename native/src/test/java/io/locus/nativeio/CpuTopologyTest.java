package io.locus.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuTopologyTest {
    private static BitSet cpus(int... ids) {
        BitSet set = new BitSet();
        for (int id : ids) {
            set.set(id);
        }
        return set;
    }

    @Test
    void shouldParseRangesAndSinglesWhenListIsMixed() {
        assertEquals(cpus(0, 1, 2, 3, 8), CpuTopology.parseCpuList("0-3,8"));
        assertEquals(cpus(0, 2, 3, 4), CpuTopology.parseCpuList("0,2-4\n"));
        assertEquals(cpus(7), CpuTopology.parseCpuList("7"));
    }

    @Test
    void shouldParseEmptySetWhenListIsBlank() {
        assertTrue(CpuTopology.parseCpuList("").isEmpty());
        assertTrue(CpuTopology.parseCpuList("\n").isEmpty());
    }

    @Test
    void shouldThrowWhenListIsMalformed() {
        for (String bad : List.of("3-1", "a", "1,,2", "-1", "1-", "0-65536", "0,")) {
            assertThrows(IllegalArgumentException.class, () -> CpuTopology.parseCpuList(bad), bad);
        }
    }

    @Test
    void shouldRoundTripWhenFormattingCpuList() {
        for (String list : List.of("", "0", "0-3,8", "0,2-4", "1,3,5-7,64-127")) {
            assertEquals(list, CpuTopology.formatCpuList(CpuTopology.parseCpuList(list)));
        }
    }

    @Test
    void shouldGroupOnlineCpusWhenTheyShareLastLevelCache() {
        CpuTopology topology = CpuTopology.parse("0-5\n", "",
                Map.of(0, "0-3", 1, "0-3", 2, "0-3", 3, "0-3", 4, "4-7", 5, "4-7"), Map.of());

        assertEquals(List.of(cpus(0, 1, 2, 3), cpus(4, 5)), topology.lastLevelCacheGroups());
        assertEquals(cpus(4, 5), topology.lastLevelCacheGroupOf(5));
        assertTrue(topology.lastLevelCacheGroupOf(9).isEmpty());
    }

    @Test
    void shouldMakeEachCpuItsOwnGroupWhenCacheIsUnknown() {
        CpuTopology topology = CpuTopology.parse("0-1", "", Map.of(), Map.of());

        assertEquals(List.of(cpus(0), cpus(1)), topology.lastLevelCacheGroups());
    }

    @Test
    void shouldMapCpusToNodesWhenNodesAreListed() {
        CpuTopology topology = CpuTopology.parse("0-3,8", "8", Map.of(), Map.of(0, "0-1", 1, "2-3,8"));

        assertEquals(cpus(0, 1, 2, 3, 8), topology.onlineCpus());
        assertEquals(cpus(8), topology.isolatedCpus());
        assertEquals(0, topology.nodeOf(1));
        assertEquals(1, topology.nodeOf(8));
        assertEquals(-1, topology.nodeOf(5));
        assertEquals(-1, topology.nodeOf(-1));
        assertEquals(-1, topology.nodeOf(100_000));
    }

    @Test
    void shouldPutEveryOnlineCpuOnNodeZeroWhenNoNodesAreListed() {
        CpuTopology topology = CpuTopology.parse("0,2-4", "", Map.of(), Map.of());

        assertEquals(0, topology.nodeOf(3));
        assertEquals(-1, topology.nodeOf(1));
    }

    @Test
    void shouldUseHighestCacheLevelWhenReadingSysfsTree(@TempDir Path root) throws IOException {
        write(root.resolve("cpu/online"), "0-3\n");
        write(root.resolve("cpu/isolated"), "2-3\n");
        for (int cpu = 0; cpu < 4; cpu++) {
            Path cache = root.resolve("cpu/cpu" + cpu + "/cache");
            write(cache.resolve("index0/level"), "1\n");
            write(cache.resolve("index0/shared_cpu_list"), cpu + "\n");
            write(cache.resolve("index2/level"), "3\n");
            write(cache.resolve("index2/shared_cpu_list"), cpu < 2 ? "0-1\n" : "2-3\n");
            write(cache.resolve("index1/level"), "2\n");
            write(cache.resolve("index1/shared_cpu_list"), "0-3\n");
        }
        write(root.resolve("node/node0/cpulist"), "0-1\n");
        write(root.resolve("node/node1/cpulist"), "2-3\n");
        Files.createDirectories(root.resolve("node/power"));

        CpuTopology topology = CpuTopology.read(root);

        assertEquals(cpus(0, 1, 2, 3), topology.onlineCpus());
        assertEquals(cpus(2, 3), topology.isolatedCpus());
        assertEquals(List.of(cpus(0, 1), cpus(2, 3)), topology.lastLevelCacheGroups());
        assertEquals(1, topology.nodeOf(3));
        assertEquals("CpuTopology[online=0-3, isolated=2-3, llc=[0-1, 2-3]]", topology.toString());
    }

    @Test
    void shouldDescribeThisMachineWhenReadingRealSysfs() {
        assumeTrue(Files.isReadable(Path.of("/sys/devices/system/cpu/online")), "no /sys/devices/system/cpu here");

        CpuTopology topology = CpuTopology.read();

        BitSet online = topology.onlineCpus();
        assertTrue(online.cardinality() >= Runtime.getRuntime().availableProcessors(), topology.toString());
        BitSet covered = new BitSet();
        for (BitSet group : topology.lastLevelCacheGroups()) {
            assertFalse(covered.intersects(group), topology.toString());
            covered.or(group);
        }
        assertEquals(online, covered);
        online.stream().forEach(cpu -> assertTrue(topology.nodeOf(cpu) >= 0, "node of CPU " + cpu));
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
