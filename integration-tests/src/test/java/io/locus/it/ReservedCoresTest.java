package io.locus.it;

import io.locus.it.vm.TargetProcess;
import io.locus.nativeio.Affinity;
import io.locus.nativeio.CpuTopology;
import io.locus.nativeio.NativeLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code locus-target --cores} keeps the JVM's own threads (JIT, GC, main, Netty) off the reactors' CPUs. */
class ReservedCoresTest {

    @Test
    void shouldLeaveTheReservedCpuToTheReactorAloneAndShareItWhenReservationIsOff(@TempDir Path dir) throws Exception {
        assumeTrue(NativeLibrary.isAvailable(), () -> "skipped: no native library: " + NativeLibrary.unavailabilityCause());
        BitSet allowed = Affinity.currentAffinity();
        assumeTrue(allowed.cardinality() >= 2, "skipped: this process may use only one CPU");
        int reserved = allowed.nextSetBit(0);

        Map<String, BitSet> on = threadsOf(dir.resolve("on.log"), "on", reserved);
        assertEquals(bits(reserved), on.get("locus-reactor-0"), "the reactor runs on its reserved CPU: " + on);
        on.forEach((name, cpus) -> {
            if (!name.startsWith("locus-reactor")) {
                assertFalse(cpus.get(reserved), name + " stays off the reserved CPU " + reserved + ": " + on);
            }
        });
        assertTrue(on.keySet().stream().anyMatch(n -> n.startsWith("C2 Compiler")), "the JIT was among them: " + on.keySet());

        Map<String, BitSet> off = threadsOf(dir.resolve("off.log"), "off", reserved);
        assertEquals(bits(reserved), off.get("locus-reactor-0"), off.toString());
        assertTrue(off.get("C2 CompilerThre").get(reserved), "without reservation the JIT may run on the reactor's CPU: " + off);
    }

    /** Starts a target with one reactor on {@code cpu} and reads every thread's allowed CPUs from /proc. */
    private static Map<String, BitSet> threadsOf(Path log, String reserve, int cpu) throws Exception {
        int port = TargetProcess.freePort();
        try (TargetProcess t = TargetProcess.start(log, port, "--listen", "127.0.0.1:" + port, "--discovery-port", "0",
                "--null", "1G", "--cores", Integer.toString(cpu), "--reserve", reserve)) {
            String expected = reserve.equals("on") ? "Reserved CPUs " + cpu + " run reactors only" : "Press Ctrl-C";
            t.awaitLog(expected, Duration.ofSeconds(30)); // the line follows the listening port by a few milliseconds
            if (reserve.equals("on")) {
                // The kernel's threads are not the JVM's to move: the launcher says when they may still run there.
                String kernel = "Reserved CPUs " + cpu + " are not isolated";
                if (io.locus.target.ReservedCores.kernelIsolated().get(cpu)) {
                    assertFalse(Files.readString(log).contains(kernel), "CPU " + cpu + " is isolated");
                } else {
                    t.awaitLog(kernel, Duration.ofSeconds(30));
                }
            }
            Map<String, BitSet> threads = new HashMap<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + t.pid() + "/task"))) {
                for (Path task : tasks.toList()) {
                    String name = Files.readString(task.resolve("comm")).strip();
                    String cpus = Files.readAllLines(task.resolve("status")).stream()
                            .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
                            .substring("Cpus_allowed_list:".length()).strip();
                    threads.put(name, CpuTopology.parseCpuList(cpus));
                }
            }
            return threads;
        }
    }

    private static BitSet bits(int cpu) {
        BitSet b = new BitSet();
        b.set(cpu);
        return b;
    }

}
