package io.locus.initiator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How much the reactor threads were kept off their CPU over an interval, from {@code /proc/<pid>/task/<tid>}:
 * {@code schedstat} (time on CPU, time runnable but waiting for the CPU) and {@code status} (involuntary context
 * switches). A busy-polling reactor is always runnable, so its run-queue wait is exactly the time something else
 * (JIT compiler, GC, kernel threads, other processes) held its core: latency no queueing policy can remove.
 */
final class SchedProbe {
    /** One thread to watch. */
    record Watched(String label, long pid, long tid) {
    }

    private final List<Watched> threads;
    private long[][] start;
    private long startNanos;

    SchedProbe(List<Watched> threads) {
        this.threads = List.copyOf(threads);
    }

    /** The threads of {@code pid} whose names start with {@code prefix}, labelled {@code label:name}. */
    static List<Watched> find(String label, long pid, String prefix) throws IOException {
        List<Watched> out = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) dirs::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).strip();
                    if (name.startsWith(prefix)) {
                        out.add(new Watched(label + ":" + name, pid, Long.parseLong(t.getFileName().toString())));
                    }
                } catch (IOException gone) {
                    // ended while we looked: reading its comm then fails with ENOENT or ESRCH ("No such process")
                }
            }
        }
        out.sort(java.util.Comparator.comparing(Watched::label));
        return out;
    }

    /** CPU time (ns) the watched threads have used in all; threads that ended count no more. */
    long cpuNanos() {
        long sum = 0;
        for (long[] t : sample()) {
            if (t != null) {
                sum += t[0];
            }
        }
        return sum;
    }

    void begin() {
        start = sample();
        startNanos = System.nanoTime();
    }

    List<BenchResult.ThreadSched> end() {
        long[][] now = sample();
        double wall = System.nanoTime() - startNanos;
        List<BenchResult.ThreadSched> out = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++) {
            if (start[i] == null || now[i] == null) {
                continue;
            }
            out.add(new BenchResult.ThreadSched(threads.get(i).label(), 100.0 * (now[i][0] - start[i][0]) / wall,
                    (now[i][1] - start[i][1]) / 1e6, now[i][2] - start[i][2]));
        }
        return out;
    }

    private long[][] sample() {
        long[][] s = new long[threads.size()][];
        for (int i = 0; i < threads.size(); i++) {
            Watched w = threads.get(i);
            Path task = Path.of("/proc", Long.toString(w.pid()), "task", Long.toString(w.tid()));
            try {
                String[] st = Files.readString(task.resolve("schedstat")).strip().split("\\s+");
                s[i] = new long[] {Long.parseLong(st[0]), Long.parseLong(st[1]),
                        parseInvoluntary(Files.readString(task.resolve("status")))};
            } catch (IOException | RuntimeException e) {
                s[i] = null;
            }
        }
        return s;
    }

    /** {@code nonvoluntary_ctxt_switches} of a {@code status} file. */
    static long parseInvoluntary(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }
}
