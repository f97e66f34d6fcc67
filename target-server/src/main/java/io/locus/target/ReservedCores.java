package io.locus.target;

import io.locus.nativeio.Affinity;
import io.locus.nativeio.CpuTopology;
import io.locus.nativeio.NativeLibrary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Makes reserved CPUs belong to the reactors alone: every other thread of this JVM (JIT compilers, GC workers,
 * Netty's and the control plane's threads, main) is moved onto the CPUs this process may use that are not reserved.
 *
 * <p>SPDK's reactors own their cores because an SPDK process has no other busy threads; a JVM has several, and each
 * one that wakes on a reactor's core preempts it (the tail at depth). Threads started later inherit the mask of the
 * thread that starts them, so a sweep after start-up covers the JVM's lazily started compiler and GC threads too.
 * Reactor threads are recognised by their OS thread name ({@code /proc/self/task/TID/comm}, which the JVM sets from
 * the Java name, cut to 15 bytes).
 */
public final class ReservedCores {
    private static final Logger LOG = Logger.getLogger(ReservedCores.class.getName());

    private ReservedCores() {
    }

    /** What a sweep did: threads moved, threads left alone as reactors, and the CPUs the others now use. */
    public record Sweep(int moved, int reactors, BitSet others) {
    }

    /**
     * Moves every thread whose name does not start with {@code reactorPrefix} off the {@code reserved} CPUs.
     *
     * @param allowed the CPUs this process may use (normally {@link Affinity#currentAffinity()} of a non-reactor thread
     *                taken before reactors start)
     * @return the sweep, or {@code null} when nothing could be done: no native library, not Linux, or every allowed
     *         CPU is reserved (the reason is logged once)
     */
    public static Sweep apply(BitSet reserved, BitSet allowed, String reactorPrefix) {
        if (reserved.isEmpty()) {
            return null;
        }
        if (!NativeLibrary.isAvailable()) {
            LOG.warning("reserved CPUs " + reserved + " are shared with the JVM's own threads: " + NativeLibrary.unavailabilityCause());
            return null;
        }
        BitSet others = (BitSet) allowed.clone();
        others.andNot(reserved);
        if (others.isEmpty()) {
            LOG.warning("every CPU this process may use (" + allowed + ") is reserved for reactors; the JVM's own threads share them");
            return null;
        }
        Path tasks = Path.of("/proc/self/task");
        int moved = 0;
        int reactors = 0;
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : list.toList()) {
                int tid;
                try {
                    tid = Integer.parseInt(task.getFileName().toString());
                } catch (NumberFormatException notATask) {
                    continue;
                }
                String name = threadName(task);
                if (name == null) {
                    continue; // exited meanwhile
                }
                if (name.startsWith(reactorPrefix)) {
                    reactors++;
                } else if (Affinity.pinThread(tid, others)) {
                    moved++;
                }
            }
        } catch (IOException e) {
            LOG.warning("reserved CPUs " + reserved + " are shared with the JVM's own threads: cannot list /proc/self/task: " + e);
            return null;
        }
        return new Sweep(moved, reactors, others);
    }

    /**
     * What the kernel may still run on reserved CPUs: moving the JVM's threads off them leaves the kernel's own
     * threads (DAMON's kdamond, rcu_preempt, kworkers) and interrupts free to run there unless the CPUs are isolated
     * ({@code isolcpus=} or an isolated cpuset partition), as SPDK's deployment guides advise for its reactors.
     *
     * @param isolated the CPUs the kernel isolated ({@link #kernelIsolated()})
     * @return a line for the operator naming the reserved CPUs that are not isolated, or {@code null} when all are
     */
    public static String kernelSharing(BitSet reserved, BitSet isolated) {
        BitSet shared = (BitSet) reserved.clone();
        shared.andNot(isolated);
        if (shared.isEmpty()) {
            return null;
        }
        return "Reserved CPUs " + CpuTopology.formatCpuList(shared) + " are not isolated (isolcpus=, cpuset partition): kernel"
                + " threads and interrupts still run there and preempt their reactors (README, \"Reactors and provenance\")";
    }

    /**
     * The CPUs the kernel keeps its scheduler's general work off: boot-time {@code isolcpus=}
     * ({@code /sys/devices/system/cpu/isolated}) and cgroup v2 isolated cpuset partitions
     * ({@code /sys/fs/cgroup/cpuset.cpus.isolated}, Linux 6.7+); a file that is missing or unreadable adds none.
     */
    public static BitSet kernelIsolated() {
        BitSet isolated = CpuTopology.read().isolatedCpus();
        try {
            isolated.or(CpuTopology.parseCpuList(Files.readString(Path.of("/sys/fs/cgroup/cpuset.cpus.isolated"))));
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            // no cgroup v2 cpuset, or an older kernel: isolcpus= alone
        }
        return isolated;
    }

    private static String threadName(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException gone) {
            return null;
        }
    }
}
