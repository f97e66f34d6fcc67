package io.locus.nativeio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which CPUs are online and isolated, which share a last-level cache, and which NUMA node each is on, as Linux
 * publishes it under {@code /sys/devices/system}. Pure Java: {@link #parse} takes the files' contents, so fixtures
 * test it; {@link #read(Path)} only gathers those contents.
 *
 * <p>Where sysfs says nothing (no cache directory, a kernel without NUMA), a CPU is its own cache group and every
 * CPU is on node 0, which is what {@code getcpu} reports on such kernels.
 */
public final class CpuTopology {
    private static final Path SYSFS = Path.of("/sys/devices/system");

    private final BitSet online;
    private final BitSet isolated;
    private final List<BitSet> lastLevelCacheGroups;
    private final int[] nodeOfCpu;

    private CpuTopology(BitSet online, BitSet isolated, List<BitSet> lastLevelCacheGroups, int[] nodeOfCpu) {
        this.online = online;
        this.isolated = isolated;
        this.lastLevelCacheGroups = lastLevelCacheGroups;
        this.nodeOfCpu = nodeOfCpu;
    }

    /** Reads this machine's topology from {@code /sys/devices/system}. */
    public static CpuTopology read() {
        return read(SYSFS);
    }

    /**
     * Reads the topology from a tree shaped like {@code /sys/devices/system}: {@code cpu/online},
     * {@code cpu/isolated}, {@code cpu/cpuN/cache/indexM/{level,shared_cpu_list}}, {@code node/nodeN/cpulist}.
     *
     * @throws UncheckedIOException when {@code cpu/online} cannot be read
     */
    public static CpuTopology read(Path root) {
        Path cpuDir = root.resolve("cpu");
        String online = readRequired(cpuDir.resolve("online"));
        Map<Integer, String> llcLists = new TreeMap<>();
        for (int cpu : parseCpuList(online).stream().toArray()) {
            String shared = lastLevelCacheList(cpuDir.resolve("cpu" + cpu).resolve("cache"));
            if (shared != null) {
                llcLists.put(cpu, shared);
            }
        }
        Map<Integer, String> nodeLists = new TreeMap<>();
        for (Path nodeDir : numbered(root.resolve("node"), "node")) {
            String cpulist = readOptional(nodeDir.resolve("cpulist"));
            if (cpulist != null) {
                nodeLists.put(Integer.parseInt(nodeDir.getFileName().toString().substring(4)), cpulist);
            }
        }
        String isolated = readOptional(cpuDir.resolve("isolated"));
        return parse(online, isolated == null ? "" : isolated, llcLists, nodeLists);
    }

    /**
     * Builds the topology from sysfs file contents.
     *
     * @param online          contents of {@code cpu/online}
     * @param isolated        contents of {@code cpu/isolated} (empty when none)
     * @param llcSharedByCpu  per CPU, the {@code shared_cpu_list} of its highest-level cache; CPUs may be missing
     * @param cpulistByNode   per NUMA node, its {@code cpulist}; empty on a kernel without NUMA
     */
    public static CpuTopology parse(String online, String isolated, Map<Integer, String> llcSharedByCpu,
                                    Map<Integer, String> cpulistByNode) {
        BitSet onlineCpus = parseCpuList(online);
        Set<BitSet> groups = new LinkedHashSet<>();
        for (int cpu = onlineCpus.nextSetBit(0); cpu >= 0; cpu = onlineCpus.nextSetBit(cpu + 1)) {
            String shared = llcSharedByCpu.get(cpu);
            BitSet group = shared == null ? new BitSet() : parseCpuList(shared);
            group.and(onlineCpus);
            group.set(cpu);
            groups.add(group);
        }
        int size = onlineCpus.length();
        for (String cpulist : cpulistByNode.values()) {
            size = Math.max(size, parseCpuList(cpulist).length());
        }
        int[] nodeOf = new int[size];
        Arrays.fill(nodeOf, -1);
        if (cpulistByNode.isEmpty()) {
            onlineCpus.stream().forEach(cpu -> nodeOf[cpu] = 0);
        }
        cpulistByNode.forEach((node, cpulist) -> parseCpuList(cpulist).stream().forEach(cpu -> nodeOf[cpu] = node));
        return new CpuTopology(onlineCpus, parseCpuList(isolated), List.copyOf(groups), nodeOf);
    }

    /**
     * Parses the kernel's CPU list format ({@code "0-3,8"}, {@code "0,2-4"}; empty or blank is the empty set).
     *
     * @throws IllegalArgumentException on anything else, or a CPU at or above {@link Affinity#MAX_CPUS}
     */
    public static BitSet parseCpuList(String text) {
        BitSet cpus = new BitSet();
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            return cpus;
        }
        for (String part : trimmed.split(",", -1)) {
            int dash = part.indexOf('-');
            int first = cpuNumber(part, dash < 0 ? part : part.substring(0, dash), text);
            int last = dash < 0 ? first : cpuNumber(part, part.substring(dash + 1), text);
            if (last < first) {
                throw new IllegalArgumentException("descending range '" + part + "' in CPU list '" + text + "'");
            }
            cpus.set(first, last + 1);
        }
        return cpus;
    }

    /** Writes a CPU set in the kernel's list format, the inverse of {@link #parseCpuList}. */
    public static String formatCpuList(BitSet cpus) {
        StringBuilder out = new StringBuilder();
        for (int first = cpus.nextSetBit(0); first >= 0; first = cpus.nextSetBit(first + 1)) {
            int last = cpus.nextClearBit(first) - 1;
            out.append(out.isEmpty() ? "" : ",").append(first);
            if (last > first) {
                out.append('-').append(last);
            }
            first = last;
        }
        return out.toString();
    }

    public BitSet onlineCpus() {
        return (BitSet) online.clone();
    }

    /** CPUs the kernel keeps the general scheduler off ({@code isolcpus=}): the natural home for reactors. */
    public BitSet isolatedCpus() {
        return (BitSet) isolated.clone();
    }

    /** Online CPUs grouped by the last-level cache they share, ordered by each group's lowest CPU. */
    public List<BitSet> lastLevelCacheGroups() {
        return lastLevelCacheGroups.stream().map(group -> (BitSet) group.clone()).toList();
    }

    /** The online CPUs sharing {@code cpu}'s last-level cache (itself included); empty when it is not online. */
    public BitSet lastLevelCacheGroupOf(int cpu) {
        for (BitSet group : lastLevelCacheGroups) {
            if (group.get(cpu)) {
                return (BitSet) group.clone();
            }
        }
        return new BitSet();
    }

    /** The NUMA node of {@code cpu}, or -1 when sysfs places it on none. */
    public int nodeOf(int cpu) {
        return cpu >= 0 && cpu < nodeOfCpu.length ? nodeOfCpu[cpu] : -1;
    }

    @Override
    public String toString() {
        List<String> groups = new ArrayList<>();
        lastLevelCacheGroups.forEach(group -> groups.add(formatCpuList(group)));
        return "CpuTopology[online=" + formatCpuList(online) + ", isolated=" + formatCpuList(isolated)
                + ", llc=" + groups + "]";
    }

    private static int cpuNumber(String part, String number, String text) {
        try {
            int cpu = Integer.parseInt(number);
            if (cpu >= 0 && cpu < Affinity.MAX_CPUS) {
                return cpu;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the whole list
        }
        throw new IllegalArgumentException("bad entry '" + part + "' in CPU list '" + text + "'");
    }

    /** The shared_cpu_list of the highest-level cache in {@code cacheDir}, or null when there is none. */
    private static String lastLevelCacheList(Path cacheDir) {
        int bestLevel = -1;
        String best = null;
        for (Path index : numbered(cacheDir, "index")) {
            String level = readOptional(index.resolve("level"));
            String shared = readOptional(index.resolve("shared_cpu_list"));
            if (level != null && shared != null && Integer.parseInt(level.strip()) > bestLevel) {
                bestLevel = Integer.parseInt(level.strip());
                best = shared;
            }
        }
        return best;
    }

    /** Subdirectories named {@code prefix} followed by digits; none when {@code dir} is missing. */
    private static List<Path> numbered(Path dir, String prefix) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, prefix + "[0-9]*")) {
            entries.forEach(entry -> {
                if (entry.getFileName().toString().substring(prefix.length()).chars().allMatch(Character::isDigit)) {
                    found.add(entry);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return found;
    }

    private static String readRequired(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String readOptional(Path file) {
        return Files.isReadable(file) ? readRequired(file) : null;
    }
}
