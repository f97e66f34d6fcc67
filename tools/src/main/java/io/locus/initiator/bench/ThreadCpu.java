package io.locus.initiator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** CPU time of one thread of another process, from {@code /proc}. */
final class ThreadCpu {
    /** Clock ticks per second of {@code /proc/.../stat} times (USER_HZ; 100 on every mainstream Linux). */
    static final long USER_HZ = 100;

    private ThreadCpu() {
    }

    /** The thread id of the thread of {@code pid} whose name is {@code name}, if there is one. */
    static OptionalLong findThread(long pid, String name) throws IOException {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (var dirs = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) dirs::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).strip().equals(name)) {
                        return OptionalLong.of(Long.parseLong(t.getFileName().toString()));
                    }
                } catch (NoSuchFileException gone) {
                    // the thread ended while we looked
                }
            }
        } catch (NoSuchFileException gone) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /**
     * CPU time the thread has used, in ns: {@code schedstat}'s on-CPU time when the kernel keeps it (ns resolution),
     * else utime + stime from {@code stat} (clock-tick resolution).
     */
    static long cpuNanos(long pid, long tid) throws IOException {
        Path task = Path.of("/proc", Long.toString(pid), "task", Long.toString(tid));
        Path schedstat = task.resolve("schedstat");
        if (Files.isReadable(schedstat)) {
            String s = Files.readString(schedstat).strip();
            if (!s.isEmpty()) {
                return parseSchedstat(s);
            }
        }
        return parseStatTicks(Files.readString(task.resolve("stat"))) * (1_000_000_000L / USER_HZ);
    }

    /** First field of {@code schedstat}: time on CPU in ns. */
    static long parseSchedstat(String line) {
        return Long.parseLong(line.strip().split("\\s+")[0]);
    }

    /**
     * utime + stime (fields 14 and 15) of a {@code stat} line, in clock ticks. The name (field 2) is in parentheses
     * and may itself hold spaces and parentheses, so fields are counted from the last ')'.
     */
    static long parseStatTicks(String line) {
        int close = line.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc stat line: " + line);
        }
        String[] f = line.substring(close + 1).strip().split("\\s+");
        // f[0] is field 3 (state), so field k is f[k - 3].
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** CPU time over wall time, as a percentage of one core. */
    static double percentOfCore(long cpuNanos, long wallNanos) {
        return wallNanos <= 0 ? 0 : 100.0 * cpuNanos / wallNanos;
    }
}
